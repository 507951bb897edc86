// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {Merkle64Harness} from "../../contracts/test/Merkle64Harness.sol";
import {Merkle64} from "../../contracts/libraries/Merkle64.sol";

/// @dev Shared helpers: the vectors file and a Solidity-side tree builder for fuzzing.
abstract contract Merkle64Fixture is Base {
    string internal constant VECTORS = "./test/vectors/merkle64.json";
    /// @dev Fuzzed trees have 1..70 leaves: seven levels, odd counts promote nodes at several of them.
    uint256 internal constant MAX_FUZZ_LEAVES = 70;

    Merkle64Harness internal h;

    function setUp() public virtual {
        h = new Merkle64Harness();
    }

    function _b8(bytes memory b) internal pure returns (bytes8) {
        assertEq(b.length, 8, "bytes8 in vectors");
        return bytes8(b);
    }

    function _b8Array(string memory json, string memory key) internal pure returns (bytes8[] memory out) {
        bytes[] memory raw = vm.parseJsonBytesArray(json, key);
        out = new bytes8[](raw.length);
        for (uint256 i; i < raw.length; ++i) out[i] = _b8(raw[i]);
    }

    function _key(string memory a, uint256 i, string memory b) internal pure returns (string memory) {
        return string.concat(a, vm.toString(i), b);
    }

    /// @dev Deterministic leaves from a fuzz seed.
    function _leaves(uint256 seed, uint256 n) internal pure returns (bytes8[] memory leaves) {
        leaves = new bytes8[](n);
        for (uint256 i; i < n; ++i) leaves[i] = bytes8(keccak256(abi.encode(seed, i)));
    }

    /// @dev Siblings packed at 8 bytes each, the proof encoding Merkle64.verify takes.
    function _pack(bytes8[] memory siblings) internal pure returns (bytes memory packed) {
        for (uint256 i; i < siblings.length; ++i) packed = bytes.concat(packed, siblings[i]);
    }

    /// @dev Reference proof builder (positional, odd last node promoted), independent of the TS one; packed.
    function _proof(bytes8[] memory leaves, uint256 index) internal view returns (bytes memory) {
        return _pack(_siblings(leaves, index));
    }

    /// @dev The siblings of leaf `index`, bottom-up.
    function _siblings(bytes8[] memory leaves, uint256 index) internal view returns (bytes8[] memory proof) {
        bytes8[] memory level = new bytes8[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) level[i] = leaves[i];
        bytes8[] memory tmp = new bytes8[](64);
        uint256 len;
        uint256 n = leaves.length;
        while (n > 1) {
            if ((index ^ 1) < n) tmp[len++] = level[index ^ 1];
            for (uint256 i; i < n / 2; ++i) level[i] = h.hashNodePlain(level[2 * i], level[2 * i + 1]);
            if (n % 2 == 1) level[n / 2] = level[n - 1];
            n = (n + 1) / 2;
            index /= 2;
        }
        proof = new bytes8[](len);
        for (uint256 i; i < len; ++i) proof[i] = tmp[i];
    }

    /// @dev A fuzzed tree of 1..MAX_FUZZ_LEAVES leaves and the genuine claim of one of its leaves.
    function _fuzzClaim(
        uint256 seed,
        uint256 nRaw,
        uint256 iRaw
    ) internal view returns (bytes8[] memory leaves, Merkle64Harness.Claim memory c) {
        uint256 n = bound(nRaw, 1, MAX_FUZZ_LEAVES);
        uint256 index = bound(iRaw, 0, n - 1);
        leaves = _leaves(seed, n);
        c = Merkle64Harness.Claim(
            h.computeRoot(leaves),
            uint32(n),
            index,
            leaves[index],
            _proof(leaves, index)
        );
    }

    /// @dev A copy of `c` to tamper with (memory structs are references).
    function _copy(Merkle64Harness.Claim memory c) internal pure returns (Merkle64Harness.Claim memory) {
        return Merkle64Harness.Claim(c.root, c.leafCount, c.index, c.leaf, c.proof);
    }
}

/// @title Merkle64 tests: the shared vectors (TS == Solidity) and fuzzed refusals.
contract Merkle64Test is Merkle64Fixture {
    /// @dev Every vector tree: Solidity recomputes the TS root, accepts every stored TS proof, refuses tampering.
    function testVectorTrees() public view {
        string memory json = vm.readFile(VECTORS);
        uint256 treeCount = vm.parseJsonUint(json, ".treeCount");
        assertEq(treeCount, 40, "tree count");
        for (uint256 t; t < treeCount; ++t) {
            string memory tk = _key(".trees[", t, "]");
            uint32 n = uint32(vm.parseJsonUint(json, string.concat(tk, ".leafCount")));
            bytes8 root = _b8(vm.parseJsonBytes(json, string.concat(tk, ".root")));
            bytes8[] memory leaves = _b8Array(json, string.concat(tk, ".leaves"));
            assertEq(leaves.length, n, "leaf count");
            assertTrue(h.computeRoot(leaves) == root, "Solidity root == TS root");
            uint256 proofCount = vm.parseJsonUint(json, string.concat(tk, ".proofCount"));
            for (uint256 p; p < proofCount; ++p) {
                string memory pk = string.concat(tk, _key(".proofs[", p, "]"));
                uint256 index = vm.parseJsonUint(json, string.concat(pk, ".index"));
                bytes memory proof = vm.parseJsonBytes(json, string.concat(pk, ".proof"));
                _checkVectorProof(Merkle64Harness.Claim(root, n, index, leaves[index], proof));
            }
        }
    }

    /// @dev One non-membership case of the vectors: the key, whether its neighbours prove it absent, and the
    /// neighbours with their leaves and proofs.
    struct AbsenceVector {
        Around[] around;
        uint256 key;
        bool valid;
    }

    struct Around {
        uint256 index;
        uint256 key;
        bytes8 leaf;
        bytes proof;
    }

    string private constant ABSENCE_TYPE =
        "AbsenceVector(Around[] around,uint256 key,bool valid)Around(uint256 index,uint256 key,bytes8 leaf,bytes proof)";

    /// @dev SPEC 5 non-membership in the Buildings 1-12 batch: every neighbour is a proven leaf, and
    /// provesAbsence agrees with the TS side on each case, the refused ones included.
    function testVectorAbsences() public view {
        string memory json = vm.readFile(VECTORS);
        uint256 count = vm.parseJsonUint(json, ".absenceCount");
        assertTrue(count >= 10, "absence cases");
        bytes8 root = _b8(vm.parseJsonBytes(json, ".clusterRoot"));
        uint256 leafCount = vm.parseJsonUint(json, ".readingCount");
        for (uint256 i; i < count; ++i) {
            AbsenceVector memory v = abi.decode(
                vm.parseJsonType(json, _key(".absences[", i, "]"), ABSENCE_TYPE),
                (AbsenceVector)
            );
            Merkle64.Neighbour[] memory around = new Merkle64.Neighbour[](v.around.length);
            for (uint256 k; k < v.around.length; ++k) {
                Around memory a = v.around[k];
                Merkle64Harness.Claim memory c = Merkle64Harness.Claim(
                    root,
                    uint32(leafCount),
                    a.index,
                    a.leaf,
                    a.proof
                );
                assertTrue(h.verify(c), "neighbour is a proven leaf");
                around[k] = Merkle64.Neighbour(a.index, a.key);
            }
            assertTrue(h.provesAbsence(leafCount, v.key, around) == v.valid, "TS == Solidity on absence");
        }
    }

    /// @dev Random sorted keys: a key not in the tree is proven absent by exactly the neighbours around it (and
    /// not by shifted ones); a key in the tree by no pair of adjacent leaves.
    function testFuzzAbsence(uint256 seed, uint256 nRaw, uint256 probe) public view {
        uint256 n = bound(nRaw, 0, 40);
        uint256[] memory keys = new uint256[](n);
        uint256 k = uint256(keccak256(abi.encode(seed))) % 1000;
        for (uint256 i; i < n; ++i) {
            k += 1 + (uint256(keccak256(abi.encode(seed, i))) % 1000);
            keys[i] = k;
        }
        uint256 key = probe % (k + 1000);
        uint256 above; // first index with a larger key
        bool member;
        while (above < n && keys[above] <= key) {
            if (keys[above] == key) member = true;
            ++above;
        }
        if (member) {
            // `above - 1` is the key itself: neither pair that contains it proves absence.
            if (above >= 2)
                assertTrue(!h.provesAbsence(n, key, _pair(keys, above - 2)), "member: lower pair");
            if (above < n) assertTrue(!h.provesAbsence(n, key, _pair(keys, above - 1)), "member: upper pair");
            return;
        }
        Merkle64.Neighbour[] memory around;
        if (n == 0) around = new Merkle64.Neighbour[](0);
        else if (above == 0) around = _one(keys, 0);
        else if (above == n) around = _one(keys, n - 1);
        else around = _pair(keys, above - 1);
        assertTrue(h.provesAbsence(n, key, around), "the neighbours prove it absent");
        if (n >= 3 && above >= 2)
            assertTrue(!h.provesAbsence(n, key, _pair(keys, above - 2)), "shifted pair");
        if (n > 0)
            assertTrue(!h.provesAbsence(n + 1, key, new Merkle64.Neighbour[](0)), "nothing, non-empty");
    }

    function _one(uint256[] memory keys, uint256 i) private pure returns (Merkle64.Neighbour[] memory a) {
        a = new Merkle64.Neighbour[](1);
        a[0] = Merkle64.Neighbour(i, keys[i]);
    }

    function _pair(uint256[] memory keys, uint256 i) private pure returns (Merkle64.Neighbour[] memory a) {
        a = new Merkle64.Neighbour[](2);
        a[0] = Merkle64.Neighbour(i, keys[i]);
        a[1] = Merkle64.Neighbour(i + 1, keys[i + 1]);
    }

    /// @dev A stored TS proof verifies; a larger count, the next index, another leaf, a truncated proof and a
    /// flipped sibling are each refused.
    function _checkVectorProof(Merkle64Harness.Claim memory c) private view {
        assertTrue(h.verify(c), "TS proof verifies on Solidity");
        Merkle64Harness.Claim memory bad = _copy(c);
        bad.leafCount = c.leafCount + 1;
        assertTrue(!h.verify(bad), "count + 1 refused");
        bad = _copy(c);
        bad.index = c.index + 1;
        assertTrue(!h.verify(bad), "index + 1 refused");
        bad = _copy(c);
        bad.leaf = ~c.leaf;
        assertTrue(!h.verify(bad), "other leaf refused");
        if (c.proof.length > 0) {
            bad = _copy(c);
            bad.proof = _prefix(c.proof, c.proof.length - 8);
            assertTrue(!h.verify(bad), "truncated proof refused");
            bad.proof = _prefix(c.proof, c.proof.length - 1);
            assertTrue(!h.verify(bad), "proof a byte short refused");
            bad.proof = _prefix(c.proof, c.proof.length);
            bad.proof[7] = bad.proof[7] ^ 0x01;
            assertTrue(!h.verify(bad), "flipped sibling refused");
        }
        bad = _copy(c);
        bad.proof = bytes.concat(c.proof, bytes1(0));
        assertTrue(!h.verify(bad), "proof a byte long refused");
    }

    /// @dev The assembly node hash equals the plain abi.encodePacked one.
    function testFuzzHashNodeMatchesPlain(bytes8 left, bytes8 right) public view {
        assertTrue(h.hashNode(left, right) == h.hashNodePlain(left, right), "hashNode");
    }

    /// @dev The assembly root hash equals the plain one.
    function testFuzzHashRootMatchesPlain(uint32 count, bytes8 top) public view {
        assertTrue(h.hashRoot(count, top) == h.hashRootPlain(count, top), "hashRoot");
    }

    /// @dev Root recomputation and every proof of a random tree agree with the reference builder.
    function testFuzzRootAndProof(uint256 seed, uint256 nRaw, uint256 iRaw) public view {
        (, Merkle64Harness.Claim memory c) = _fuzzClaim(seed, nRaw, iRaw);
        // Root from the proof path equals computeRoot's (the count is committed the same way).
        assertTrue(h.verify(c), "proof verifies");
        assertTrue(h.verifyPlain(c), "plain verifier agrees");
    }

    /// @dev A leaf that is not in the tree fails with any leaf's proof, at any position.
    function testFuzzLeafNotInTreeFails(
        uint256 seed,
        uint256 nRaw,
        uint256 iRaw,
        bytes8 stranger
    ) public view {
        (bytes8[] memory leaves, Merkle64Harness.Claim memory c) = _fuzzClaim(seed, nRaw, iRaw);
        for (uint256 i; i < leaves.length; ++i) if (leaves[i] == stranger) return; // 2^-64 per leaf: never in practice
        c.leaf = stranger;
        assertTrue(!h.verify(c), "stranger refused");
    }

    /// @dev Any other index or leaf count fails; the assembly verifier agrees with the plain one throughout.
    function testFuzzAlteredIndexOrCountFails(
        uint256 seed,
        uint256 nRaw,
        uint256 iRaw,
        uint256 jRaw,
        uint32 otherCount
    ) public view {
        (, Merkle64Harness.Claim memory c) = _fuzzClaim(seed, nRaw, iRaw);
        uint256 other = jRaw % (uint256(c.leafCount) + 2);
        if (other != c.index) {
            Merkle64Harness.Claim memory bad = _copy(c);
            bad.index = other;
            assertTrue(!h.verify(bad), "altered index refused");
            assertTrue(!h.verifyPlain(bad), "plain: altered index refused");
        }
        if (otherCount != c.leafCount) {
            Merkle64Harness.Claim memory bad = _copy(c);
            bad.leafCount = otherCount;
            assertTrue(!h.verify(bad), "altered count refused");
            assertTrue(!h.verifyPlain(bad), "plain: altered count refused");
        }
    }

    /// @dev A genuine claim on any tree size up to 2^32 - 1 leaves without building the tree: the path of one
    /// leaf with random siblings (none on levels where the node is an odd last node), folded to the root with the
    /// plain hashes. Reaches every depth up to 32, so both the full-tree rounds of 8 levels and the per-level
    /// loop of other counts are compared with the plain reference; a flipped sibling or a neighbouring index is
    /// refused by both.
    function testFuzzRandomPaths(uint256 seed, uint32 countRaw, uint8 depthRaw, uint256 iRaw) public view {
        // Half the runs on full trees (the unrolled path), half on any count.
        uint256 n =
            countRaw % 2 == 0 ? uint256(1) << bound(depthRaw, 0, 31) : bound(countRaw, 1, type(uint32).max);
        uint256 index = bound(iRaw, 0, n - 1);
        bytes8 leaf = bytes8(keccak256(abi.encode(seed, "leaf")));
        bytes memory proof;
        bytes8 node = leaf;
        uint256 idx = index;
        for (uint256 m = n; m > 1; m = (m + 1) / 2) {
            if ((idx ^ 1) < m) {
                bytes8 sibling = bytes8(keccak256(abi.encode(seed, m)));
                proof = bytes.concat(proof, sibling);
                node = idx % 2 == 1 ? h.hashNodePlain(sibling, node) : h.hashNodePlain(node, sibling);
            }
            idx /= 2;
        }
        Merkle64Harness.Claim memory c = Merkle64Harness.Claim(
            h.hashRootPlain(uint32(n), node),
            uint32(n),
            index,
            leaf,
            proof
        );
        assertTrue(h.verify(c), "genuine path verifies");
        assertTrue(h.verifyPlain(c), "plain verifier agrees");
        if (proof.length > 0) {
            Merkle64Harness.Claim memory bad = _copy(c);
            bad.proof = _prefix(proof, proof.length);
            bad.proof[proof.length - 1] = bad.proof[proof.length - 1] ^ 0x80;
            assertTrue(!h.verify(bad) && !h.verifyPlain(bad), "flipped top sibling refused");
            bad = _copy(c);
            bad.index = index ^ 1;
            if (bad.index < n) assertTrue(!h.verify(bad) && !h.verifyPlain(bad), "neighbour index refused");
        }
    }

    /// @dev Arbitrary claims: assembly and plain verifiers always give the same answer.
    function testFuzzAsmMatchesPlain(Merkle64Harness.Claim calldata claim) public view {
        Merkle64Harness.Claim memory c = claim;
        c.index = c.index % (uint256(c.leafCount) + 2);
        assertTrue(h.verify(c) == h.verifyPlain(c), "asm == plain");
    }

    /// @dev Packed siblings are read 32 bytes at a time: whatever follows a sibling in call data (the next
    /// siblings, the ABI padding of `bytes`) must not change the result. Dirty padding after the proof is ignored;
    /// a proof whose length is not whole siblings is refused, in full trees (fast path) and others alike.
    function testPackedProofBoundaries() public view {
        for (uint256 n = 2; n <= 5; ++n) {
            bytes8[] memory leaves = _leaves(7, n);
            Merkle64Harness.Claim memory c = Merkle64Harness.Claim(
                h.computeRoot(leaves),
                uint32(n),
                0,
                leaves[0],
                _proof(leaves, 0)
            );
            bytes memory data = abi.encodeCall(h.verify, (c));
            (bool ok, bytes memory ret) = address(h).staticcall(data);
            assertTrue(ok && abi.decode(ret, (bool)), "clean proof verifies");
            // The proof is the last argument: its ABI padding is the call data's last bytes.
            data[data.length - 1] = 0xff;
            (ok, ret) = address(h).staticcall(data);
            assertTrue(ok && abi.decode(ret, (bool)), "padding after the proof is not read");
            c.proof = bytes.concat(c.proof, bytes8(0));
            assertTrue(!h.verify(c), "an extra zero sibling refused");
        }
    }

    function _prefix(bytes memory b, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i; i < len; ++i) out[i] = b[i];
    }

    /// @dev computeRoot refuses an empty tree; verify refuses every claim on one.
    function testEmptyTree() public {
        vm.expectRevert(abi.encodeWithSignature("EmptyTree()"));
        h.computeRoot(new bytes8[](0));
        assertTrue(!h.verify(Merkle64Harness.Claim(bytes8(0), 0, 0, bytes8(0), "")), "empty tree refused");
    }

    /// @dev computeRoot refuses more leaves than a uint32 count commits, before touching any of them. The list
    /// only claims its length (a real one would need 2^32 words of memory).
    function testComputeRootRefusesMoreThanUint32Leaves() public {
        RootOfClaimedLength caller = new RootOfClaimedLength();
        uint256 tooMany = uint256(type(uint32).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(Merkle64.TooManyLeaves.selector, tooMany));
        caller.computeRootClaiming(tooMany);
        vm.expectRevert(abi.encodeWithSelector(Merkle64.TooManyLeaves.selector, type(uint256).max));
        caller.computeRootClaiming(type(uint256).max);
        // A count that fits takes the ordinary path.
        assertTrue(caller.computeRootClaiming(1) == h.computeRoot(new bytes8[](1)), "one leaf");
    }
}

/// @dev Calls Merkle64.computeRoot on a one-leaf list whose length word claims `length` leaves.
contract RootOfClaimedLength {
    function computeRootClaiming(uint256 length) external pure returns (bytes8) {
        bytes8[] memory leaves = new bytes8[](1);
        // Only the length is read before the size check refuses the list.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            mstore(leaves, length)
        }
        return Merkle64.computeRoot(leaves);
    }
}
