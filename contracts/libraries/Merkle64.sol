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
    /// @dev The 24 padding bytes below a `bytes8`; literal so that assembly does not compute it per level.
    uint256 private constant HASH64_PADDING =
        0x0000000000000000ffffffffffffffffffffffffffffffffffffffffffffffff;
    uint256 private constant UINT32_MASK = 0xffffffff;
    uint256 private constant WORD_BYTES = 32;
    /// @dev Node input: 1 prefix byte + two 8-byte hashes.
    uint256 private constant NODE_INPUT_BYTES = 17;
    /// @dev Root input: 1 prefix byte + 4-byte count + 8-byte top.
    uint256 private constant ROOT_INPUT_BYTES = 13;

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
    /// @dev False (never a revert) for an empty tree, an index outside it, a proof of the wrong length (the
    /// expected length follows from `(index, leafCount)`) or a proof element with non-zero padding. The loop is
    /// assembly (hashing in scratch space, no bounds-check or call overhead); it is fuzzed against the
    /// plain-Solidity reference in contracts/test/Merkle64Harness.sol.
    /// @param proof Sibling hashes bottom-up.
    /// @param root The committed root.
    /// @param leafCount The tree's leaf count.
    /// @param index The leaf's position (readings sorted by meter ascending).
    /// @param leaf The leaf hash.
    /// @return ok Whether the proof holds.
    function verify(
        bytes8[] calldata proof,
        bytes8 root,
        uint32 leafCount,
        uint256 index,
        bytes8 leaf
    ) internal pure returns (bool ok) {
        if (index >= leafCount) return false; // also covers leafCount == 0
        assembly ("memory-safe") {
            let h := and(leaf, HASH64_MASK)
            let p := proof.offset
            let end := add(p, shl(5, proof.length))
            let count := and(leafCount, UINT32_MASK)
            let idx := index
            ok := 1
            // n halves (rounding up) per level; a level has a sibling unless idx is an odd last node.
            for {
                let n := count
            } gt(n, 1) {
                n := shr(1, add(n, 1))
            } {
                if lt(xor(idx, 1), n) {
                    if eq(p, end) {
                        ok := 0
                        break
                    }
                    let sib := calldataload(p)
                    // A bytes8 word with dirty low bytes is not a canonical encoding: refuse, don't mask.
                    if and(sib, HASH64_PADDING) {
                        ok := 0
                        break
                    }
                    p := add(p, WORD_BYTES)
                    switch and(idx, 1)
                    case 0 {
                        mstore(0x00, or(NODE_PREFIX, or(shr(8, h), shr(72, sib))))
                    }
                    default {
                        mstore(0x00, or(NODE_PREFIX, or(shr(8, sib), shr(72, h))))
                    }
                    h := and(keccak256(0x00, NODE_INPUT_BYTES), HASH64_MASK)
                }
                idx := shr(1, idx)
            }
            // Every sibling must be used: a longer proof is refused too.
            ok := and(ok, eq(p, end))
            if ok {
                mstore(0x00, or(ROOT_PREFIX, or(shl(216, count), shr(40, h))))
                ok := eq(and(keccak256(0x00, ROOT_INPUT_BYTES), HASH64_MASK), and(root, HASH64_MASK))
            }
        }
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
