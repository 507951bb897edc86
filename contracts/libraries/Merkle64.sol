// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Assembly hashes in scratch space (no allocation per level); every assembly path is fuzzed against plain Solidity.
/* solhint-disable no-inline-assembly */

/// @title Merkle64
/// @notice SPEC 5's 64-bit Merkle batch: `H64(x) = bytes8(keccak256(x))`, leaf `H64(0x00 || data)`, node
/// `H64(0x01 || left || right)`, root `H64(0x02 || uint32 leafCount || top)`. Positional tree; an odd last
/// node is promoted unchanged; a proof holds the siblings bottom-up, skipping levels where the node is
/// promoted. Twin of lib/batches/merkle64.ts; pinned to it by test/vectors/merkle64.json.
library Merkle64 {
    /// @dev Domain prefixes of the three hash kinds. In assembly a `bytesN` constant is its word, left-aligned:
    /// `NODE_PREFIX` there is `0x01` followed by 31 zero bytes, ready to be or-ed in front of the hashed bytes.
    bytes1 internal constant LEAF_PREFIX = 0x00;
    bytes1 internal constant NODE_PREFIX = 0x01;
    bytes1 internal constant ROOT_PREFIX = 0x02;

    /// @dev Keeps the top 8 bytes of a word, where a `bytes8` sits.
    bytes8 private constant HASH64_MASK = 0xffffffffffffffff;
    uint256 private constant UINT32_MASK = 0xffffffff;
    /// @dev A packed proof holds one 8-byte sibling after another.
    uint256 internal constant HASH64_BYTES = 8;
    /// @dev `NODE_PREFIX` as a number, for `mstore8`.
    uint256 private constant NODE_PREFIX_BYTE = 0x01;
    /// @dev `verify`'s node input in scratch space: prefix at 0x17, left child at 0x18..0x1f, right at 0x20..0x27;
    /// `LEFT_AT + x` and `RIGHT_AT - x` (x = 0 or RIGHT_BIT) are the two slots; `slot ^ SIDE_SWAP` the other one.
    uint256 private constant NODE_AT = 0x17;
    uint256 private constant LEFT_AT = 0x18;
    uint256 private constant RIGHT_AT = 0x20;
    uint256 private constant RIGHT_BIT = 0x08;
    uint256 private constant SIDE_SWAP = 0x38;
    /// @dev `verify`'s root input: `0x02 || uint32 count` as the low 5 bytes of the word at 0x00 (0x1b..0x1f),
    /// the top right after it at RIGHT_AT.
    uint256 private constant ROOT_HEADER = 0x0200000000;
    uint256 private constant ROOT_AT = 0x1b;
    /// @dev A hash's 64 bits sit above this many bits of its word.
    uint256 private constant HASH64_SHIFT = 192;
    /// @dev A 4-leaf tree's proof: two siblings.
    uint256 private constant FOUR_LEAF_PROOF_BYTES = 16;
    /// @dev `verify`'s full-tree level counter `j` (index << 3, the count's bit above it as a sentinel) holds at
    /// least 8, 4, 2 or 1 more levels when it is above these.
    uint256 private constant EIGHT_LEVELS_LEFT = 0x7ff;
    uint256 private constant FOUR_LEVELS_LEFT = 0x7f;
    uint256 private constant TWO_LEVELS_LEFT = 0x1f;
    uint256 private constant ONE_LEVEL_LEFT = 0x0f;
    /// @dev A round of 8 levels: multiplying a byte by BIT_SPREAD puts its bit k, alone, on the top bit of byte k
    /// (from the most significant of 8; the copies are 9 bits apart, so nothing carries); BYTE_TOP_BIT keeps those;
    /// shifting by 192 - 4 moves the 8 bytes to the top of the word as 0x08 each; LANE_LEFT adds 0x18: byte k is
    /// the slot (0x18 or 0x20) level k stores its hash in. xor LANE_SWAP gives the other slot.
    uint256 private constant BIT_SPREAD = 0x8040201008040201;
    uint256 private constant BYTE_TOP_BIT = 0x8080808080808080;
    uint256 private constant LANE_SHIFT = 188;
    uint256 private constant LANE_LEFT = 0x1818181818181818000000000000000000000000000000000000000000000000;
    uint256 private constant LANE_SWAP = 0x3838383838383838000000000000000000000000000000000000000000000000;
    /// @dev Node input: 1 prefix byte + two 8-byte hashes.
    uint256 private constant NODE_INPUT_BYTES = 17;
    /// @dev Root input: 1 prefix byte + 4-byte count + 8-byte top.
    uint256 private constant ROOT_INPUT_BYTES = 13;

    /// @dev A leaf next to where an absent key would sit in a tree sorted by key: its position and its key.
    struct Neighbour {
        uint256 index;
        uint256 key;
    }

    /// @dev `computeRoot` was given no leaves.
    error EmptyTree();
    /// @dev `computeRoot` was given more leaves than a uint32 count can commit.
    error TooManyLeaves(uint256 count);

    /// @notice Leaf hash `H64(0x00 || data)`.
    /// @param data The leaf's payload (for readings: `abi.encode(fields) || signature`).
    /// @return The 64-bit leaf hash.
    function hashLeaf(bytes memory data) internal pure returns (bytes8) {
        return bytes8(keccak256(abi.encodePacked(LEAF_PREFIX, data)));
    }

    /// @notice Inner node `H64(0x01 || left || right)`.
    /// @dev Hashes 17 bytes in scratch space: no memory expansion; equal to the plain
    /// `bytes8(keccak256(abi.encodePacked(NODE_PREFIX, left, right)))` (fuzzed in Merkle64.t.sol).
    /// @param left The left child.
    /// @param right The right child.
    /// @return h The 64-bit node hash.
    function hashNode(bytes8 left, bytes8 right) internal pure returns (bytes8 h) {
        assembly ("memory-safe") {
            // Bits outside a short type's encoding may be dirty: mask before packing.
            let l := and(left, HASH64_MASK)
            let r := and(right, HASH64_MASK)
            mstore(0x00, or(NODE_PREFIX, or(shr(8, l), shr(72, r))))
            h := and(keccak256(0x00, NODE_INPUT_BYTES), HASH64_MASK)
        }
    }

    /// @notice Committed root `H64(0x02 || uint32 leafCount || top)`.
    /// @param leafCount The number of leaves.
    /// @param top The top node of the tree.
    /// @return h The 64-bit root.
    function hashRoot(uint32 leafCount, bytes8 top) internal pure returns (bytes8 h) {
        assembly ("memory-safe") {
            let c := and(leafCount, UINT32_MASK)
            let t := and(top, HASH64_MASK)
            mstore(0x00, or(ROOT_PREFIX, or(shl(216, c), shr(40, t))))
            h := and(keccak256(0x00, ROOT_INPUT_BYTES), HASH64_MASK)
        }
    }

    /// @notice Whether `leaf` is leaf number `index` of the `leafCount`-leaf tree committed by `root`.
    /// @dev `proof` packs the siblings bottom-up at 8 bytes each (no ABI padding: a depth-10 proof is 80 bytes of
    /// call data, not 320). False (never a revert) for an empty tree, an index outside it, or a proof whose length
    /// is not exactly what `(index, leafCount)` needs.
    ///
    /// Gas (issue 15: at most 1,500 at depth 10 and below OpenZeppelin's 256-bit verifier at every depth 2..12,
    /// measured by bench/merkle.ts) is why this is assembly, branch-free per level and unrolled. The node input
    /// `0x01 || left || right` lives in scratch space at 0x17..0x27: prefix at 0x17 (written once), left child at
    /// 0x18, right at 0x20. The running hash stays in memory: each level stores its hash at `0x18 + x`, x = 8 when
    /// the next level's node is a right child (bit 3 of `j`, the index shifted left by 3); its 24 junk bytes
    /// below the hash land beyond 0x27 or on the other slot, which is written next: the sibling is copied,
    /// exactly 8 bytes, to `0x20 - x`. A full tree (a power-of-two count, e.g. a 4-meter cluster) has a sibling at
    /// every level, and `j` carries the count's bit above the index bits as a sentinel: it counts the levels
    /// left and ends as a right child, so the top lands at 0x20, right behind the root header `0x02 || count` at
    /// 0x1b. Deep trees take rounds of 8 levels whose 8 slots are computed at once (a byte each, read with
    /// `byte`). Other counts take a loop that tests per level whether the node has a sibling (an odd last node
    /// is promoted). Fuzzed against the plain-Solidity reference in contracts/test/Merkle64Harness.sol.
    /// @param proof Sibling hashes bottom-up, 8 bytes each.
    /// @param root The committed root.
    /// @param leafCount The tree's leaf count.
    /// @param index The leaf's position (readings sorted by meter ascending).
    /// @param leaf The leaf hash.
    /// @return ok Whether the proof holds.
    // Long because unrolled: a loop or helper calls per level would cost the gas this function exists to save.
    // solhint-disable-next-line function-max-lines
    function verify(
        bytes calldata proof,
        bytes8 root,
        uint32 leafCount,
        uint256 index,
        bytes8 leaf
    ) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            let count := and(leafCount, UINT32_MASK)
            // lt also refuses leafCount == 0.
            if lt(index, count) {
                let p := proof.offset
                mstore8(NODE_AT, NODE_PREFIX_BYTE)
                switch and(count, sub(count, 1))
                case 0 {
                    let j := shl(3, or(index, count))
                    let x := and(j, RIGHT_BIT)
                    mstore(add(LEFT_AT, x), leaf)
                    switch count
                    case 4 {
                        // A 4-meter cluster, the paper's size: straight-line, the length checked as a constant.
                        if eq(proof.length, FOUR_LEAF_PROOF_BYTES) {
                            ok := 1
                            calldatacopy(sub(RIGHT_AT, x), p, HASH64_BYTES)
                            x := and(shr(1, j), RIGHT_BIT)
                            mstore(add(LEFT_AT, x), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(sub(RIGHT_AT, x), add(p, 8), HASH64_BYTES)
                            x := and(shr(2, j), RIGHT_BIT)
                            mstore(add(LEFT_AT, x), keccak256(NODE_AT, NODE_INPUT_BYTES))
                        }
                    }
                    default {
                        // Rounds of 8 levels, then blocks of 4, 2 and 1 (the low binary digits of the depth), counted
                        // down by the sentinel in `j`.
                        for {} gt(j, EIGHT_LEVELS_LEFT) {} {
                            let at := add(
                                shl(LANE_SHIFT, and(mul(and(shr(4, j), 0xff), BIT_SPREAD), BYTE_TOP_BIT)),
                                LANE_LEFT
                            )
                            let siblingAt := xor(at, LANE_SWAP)
                            calldatacopy(sub(RIGHT_AT, x), p, HASH64_BYTES)
                            mstore(byte(0, at), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(byte(0, siblingAt), add(p, 8), HASH64_BYTES)
                            mstore(byte(1, at), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(byte(1, siblingAt), add(p, 16), HASH64_BYTES)
                            mstore(byte(2, at), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(byte(2, siblingAt), add(p, 24), HASH64_BYTES)
                            mstore(byte(3, at), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(byte(3, siblingAt), add(p, 32), HASH64_BYTES)
                            mstore(byte(4, at), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(byte(4, siblingAt), add(p, 40), HASH64_BYTES)
                            mstore(byte(5, at), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(byte(5, siblingAt), add(p, 48), HASH64_BYTES)
                            mstore(byte(6, at), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(byte(6, siblingAt), add(p, 56), HASH64_BYTES)
                            mstore(byte(7, at), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            j := shr(8, j)
                            x := and(j, RIGHT_BIT)
                            p := add(p, 64)
                        }
                        if gt(j, FOUR_LEVELS_LEFT) {
                            calldatacopy(sub(RIGHT_AT, x), p, HASH64_BYTES)
                            x := and(shr(1, j), RIGHT_BIT)
                            mstore(add(LEFT_AT, x), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(sub(RIGHT_AT, x), add(p, 8), HASH64_BYTES)
                            x := and(shr(2, j), RIGHT_BIT)
                            mstore(add(LEFT_AT, x), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(sub(RIGHT_AT, x), add(p, 16), HASH64_BYTES)
                            x := and(shr(3, j), RIGHT_BIT)
                            mstore(add(LEFT_AT, x), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(sub(RIGHT_AT, x), add(p, 24), HASH64_BYTES)
                            x := and(shr(4, j), RIGHT_BIT)
                            mstore(add(LEFT_AT, x), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            j := shr(4, j)
                            p := add(p, 32)
                        }
                        if gt(j, TWO_LEVELS_LEFT) {
                            calldatacopy(sub(RIGHT_AT, x), p, HASH64_BYTES)
                            x := and(shr(1, j), RIGHT_BIT)
                            mstore(add(LEFT_AT, x), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            calldatacopy(sub(RIGHT_AT, x), add(p, 8), HASH64_BYTES)
                            x := and(shr(2, j), RIGHT_BIT)
                            mstore(add(LEFT_AT, x), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            j := shr(2, j)
                            p := add(p, 16)
                        }
                        if gt(j, ONE_LEVEL_LEFT) {
                            calldatacopy(sub(RIGHT_AT, x), p, HASH64_BYTES)
                            x := and(shr(1, j), RIGHT_BIT)
                            mstore(add(LEFT_AT, x), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            p := add(p, HASH64_BYTES)
                        }
                        // Every sibling must be used: a longer or shorter proof is refused (a short one read zeros).
                        ok := eq(p, add(proof.offset, proof.length))
                    }
                }
                default {
                    // n halves (rounding up) per level; a level has a sibling unless the node is an odd last
                    // node, promoted: moved to where the next level expects it. A short proof reads zeros past
                    // its end and fails the length check.
                    let j := shl(3, index)
                    let x := and(j, RIGHT_BIT)
                    mstore(add(LEFT_AT, x), leaf)
                    for {
                        let n := count
                    } gt(n, 1) {
                        n := shr(1, add(n, 1))
                    } {
                        let here := add(LEFT_AT, x)
                        let hasSibling := lt(xor(shr(3, j), 1), n)
                        j := shr(1, j)
                        x := and(j, RIGHT_BIT)
                        switch hasSibling
                        case 0 {
                            mstore(add(LEFT_AT, x), mload(here))
                        }
                        default {
                            calldatacopy(xor(here, SIDE_SWAP), p, HASH64_BYTES)
                            mstore(add(LEFT_AT, x), keccak256(NODE_AT, NODE_INPUT_BYTES))
                            p := add(p, HASH64_BYTES)
                        }
                    }
                    // Every sibling must be used: a longer or shorter proof is refused. The top (index 0 at the
                    // top level: a left slot) moves to where the root input expects it.
                    ok := eq(p, add(proof.offset, proof.length))
                    mstore(RIGHT_AT, mload(LEFT_AT))
                }
                if ok {
                    mstore(0x00, or(ROOT_HEADER, count))
                    ok := iszero(shr(HASH64_SHIFT, xor(keccak256(ROOT_AT, ROOT_INPUT_BYTES), root)))
                }
            }
        }
    }

    /// @notice Whether `key` is absent from a tree whose leaves are sorted by key ascending (SPEC 5
    /// non-membership), shown by the leaves around where it would sit: none for an empty tree; the first leaf
    /// alone when `key` sorts before it; the last leaf alone when `key` sorts after it; otherwise two adjacent
    /// leaves, the first below `key` and the second above. Twin of lib/batches/merkle64.ts `provesAbsence`.
    /// @dev Only the positions and keys are checked here: that each neighbour is a member (`verify`) and that its
    /// key is the one its leaf commits to is the caller's part.
    /// @param leafCount The tree's leaf count.
    /// @param key The key shown absent.
    /// @param around The neighbours, in tree order (zero, one or two).
    /// @return Whether they prove `key` absent.
    function provesAbsence(
        uint256 leafCount,
        uint256 key,
        Neighbour[] memory around
    ) internal pure returns (bool) {
        if (around.length == 0) return leafCount == 0;
        Neighbour memory a = around[0];
        if (a.index >= leafCount) return false;
        if (around.length == 1)
            return (a.index == 0 && key < a.key) || (a.index == leafCount - 1 && a.key < key);
        if (around.length > 2) return false;
        Neighbour memory b = around[1];
        return b.index == a.index + 1 && b.index < leafCount && a.key < key && key < b.key;
    }

    /// @notice How many siblings leaf `index` of a `leafCount`-leaf tree needs (promoted levels need none).
    /// @param leafCount The tree's leaf count.
    /// @param index The leaf's position.
    /// @return len The proof length.
    function proofLength(uint256 leafCount, uint256 index) internal pure returns (uint256 len) {
        for (uint256 n = leafCount; n > 1; n = (n + 1) >> 1) {
            if ((index ^ 1) < n) ++len;
            index >>= 1;
        }
    }

    /// @notice Root of `leaves` (for small batches and tests; off-chain code builds large trees).
    /// @param leaves Leaf hashes in tree order; not modified.
    /// @return The committed root.
    function computeRoot(bytes8[] memory leaves) internal pure returns (bytes8) {
        uint256 count = leaves.length;
        if (count == 0) revert EmptyTree();
        if (count > type(uint32).max) revert TooManyLeaves(count);
        bytes8[] memory level = new bytes8[](count);
        for (uint256 i; i < count; ++i) level[i] = leaves[i];
        uint256 n = count;
        while (n > 1) {
            uint256 pairs = n >> 1;
            for (uint256 i; i < pairs; ++i) level[i] = hashNode(level[2 * i], level[2 * i + 1]);
            // Odd last node: promoted unchanged.
            if (n & 1 == 1) level[pairs] = level[n - 1];
            n = pairs + (n & 1);
        }
        return hashRoot(uint32(count), level[0]);
    }
}
