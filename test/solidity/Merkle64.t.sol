// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {Merkle64Harness} from "../../contracts/test/Merkle64Harness.sol";

/// @dev JSON cheatcodes beyond Base's Vm (Foundry cheatcode ABI, served by Hardhat 3's runner).
interface VmJson {
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function parseJsonBytesArray(
        string calldata json,
        string calldata key
    ) external pure returns (bytes[] memory);
}

/// @dev Shared helpers: the vectors file and a Solidity-side tree builder for fuzzing.
abstract contract Merkle64Fixture is Base {
    VmJson internal constant vmJson = VmJson(address(uint160(uint256(keccak256("hevm cheat code")))));
    string internal constant VECTORS = "./test/vectors/merkle64.json";

    Merkle64Harness internal h;

    function setUp() public virtual {
        h = new Merkle64Harness();
    }

    function _b8(bytes memory b) internal pure returns (bytes8) {
        assertEq(b.length, 8, "bytes8 in vectors");
        return bytes8(b);
    }

    function _b8Array(string memory json, string memory key) internal pure returns (bytes8[] memory out) {
        bytes[] memory raw = vmJson.parseJsonBytesArray(json, key);
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

    /// @dev Reference proof builder (positional, odd last node promoted), independent of the TS one.
    function _proof(bytes8[] memory leaves, uint256 index) internal view returns (bytes8[] memory proof) {
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
}

/// @title Merkle64 tests: the shared vectors (TS == Solidity) and fuzzed refusals.
contract Merkle64Test is Merkle64Fixture {
    /// @dev Every vector tree: Solidity recomputes the TS root, accepts every stored TS proof, refuses tampering.
    function testVectorTrees() public view {
        string memory json = vm.readFile(VECTORS);
        uint256 treeCount = vmJson.parseJsonUint(json, ".treeCount");
        assertEq(treeCount, 40, "tree count");
        for (uint256 t; t < treeCount; ++t) {
            string memory tk = _key(".trees[", t, "]");
            uint32 n = uint32(vmJson.parseJsonUint(json, string.concat(tk, ".leafCount")));
            bytes8 root = _b8(vmJson.parseJsonBytes(json, string.concat(tk, ".root")));
            bytes8[] memory leaves = _b8Array(json, string.concat(tk, ".leaves"));
            assertEq(leaves.length, n, "leaf count");
            assertTrue(h.computeRoot(leaves) == root, "Solidity root == TS root");
            uint256 proofCount = vmJson.parseJsonUint(json, string.concat(tk, ".proofCount"));
            for (uint256 p; p < proofCount; ++p) {
                string memory pk = string.concat(tk, _key(".proofs[", p, "]"));
                uint256 index = vmJson.parseJsonUint(json, string.concat(pk, ".index"));
                bytes8[] memory proof = _b8Array(json, string.concat(pk, ".proof"));
                assertTrue(h.verify(proof, root, n, index, leaves[index]), "TS proof verifies on Solidity");
                assertTrue(!h.verify(proof, root, n + 1, index, leaves[index]), "count + 1 refused");
                assertTrue(!h.verify(proof, root, n, index + 1, leaves[index]), "index + 1 refused");
                assertTrue(!h.verify(proof, root, n, index, ~leaves[index]), "other leaf refused");
                if (proof.length > 0) {
                    bytes8[] memory cut = new bytes8[](proof.length - 1);
                    for (uint256 i; i < cut.length; ++i) cut[i] = proof[i];
                    assertTrue(!h.verify(cut, root, n, index, leaves[index]), "truncated proof refused");
                    proof[0] = proof[0] ^ bytes8(uint64(1));
                    assertTrue(!h.verify(proof, root, n, index, leaves[index]), "flipped sibling refused");
                }
            }
        }
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
        uint256 n = bound(nRaw, 1, 70);
        uint256 index = bound(iRaw, 0, n - 1);
        bytes8[] memory leaves = _leaves(seed, n);
        bytes8 root = h.computeRoot(leaves);
        bytes8[] memory proof = _proof(leaves, index);
        // Root from the proof path equals computeRoot's (the count is committed the same way).
        assertTrue(h.verify(proof, root, uint32(n), index, leaves[index]), "proof verifies");
        assertTrue(h.verifyPlain(proof, root, uint32(n), index, leaves[index]), "plain verifier agrees");
    }

    /// @dev A leaf that is not in the tree fails with any leaf's proof, at any position.
    function testFuzzLeafNotInTreeFails(
        uint256 seed,
        uint256 nRaw,
        uint256 iRaw,
        bytes8 stranger
    ) public view {
        uint256 n = bound(nRaw, 1, 70);
        uint256 index = bound(iRaw, 0, n - 1);
        bytes8[] memory leaves = _leaves(seed, n);
        for (uint256 i; i < n; ++i) if (leaves[i] == stranger) return; // 2^-64 per leaf: never in practice
        bytes8 root = h.computeRoot(leaves);
        assertTrue(!h.verify(_proof(leaves, index), root, uint32(n), index, stranger), "stranger refused");
    }

    /// @dev Any other index or leaf count fails; the assembly verifier agrees with the plain one throughout.
    function testFuzzAlteredIndexOrCountFails(
        uint256 seed,
        uint256 nRaw,
        uint256 iRaw,
        uint256 jRaw,
        uint32 otherCount
    ) public view {
        uint256 n = bound(nRaw, 1, 70);
        uint256 index = bound(iRaw, 0, n - 1);
        uint256 other = jRaw % (n + 2);
        bytes8[] memory leaves = _leaves(seed, n);
        bytes8 root = h.computeRoot(leaves);
        bytes8[] memory proof = _proof(leaves, index);
        if (other != index) {
            assertTrue(!h.verify(proof, root, uint32(n), other, leaves[index]), "altered index refused");
            assertTrue(
                !h.verifyPlain(proof, root, uint32(n), other, leaves[index]),
                "plain: altered index refused"
            );
        }
        if (otherCount != n) {
            assertTrue(!h.verify(proof, root, otherCount, index, leaves[index]), "altered count refused");
            assertTrue(
                !h.verifyPlain(proof, root, otherCount, index, leaves[index]),
                "plain: altered count refused"
            );
        }
    }

    /// @dev Arbitrary claims: assembly and plain verifiers always give the same answer.
    function testFuzzAsmMatchesPlain(
        bytes8[] calldata proof,
        bytes8 root,
        uint32 leafCount,
        uint256 index,
        bytes8 leaf
    ) public view {
        index = index % (uint256(leafCount) + 2);
        bool a = h.verify(proof, root, leafCount, index, leaf);
        assertTrue(a == h.verifyPlain(proof, root, leafCount, index, leaf), "asm == plain");
    }

    /// @dev A proof word with non-zero padding below its 8 bytes is refused, not masked into a valid sibling.
    function testDirtyProofPaddingRefused() public view {
        bytes8[] memory leaves = _leaves(7, 2);
        bytes8 root = h.computeRoot(leaves);
        bytes8[] memory proof = _proof(leaves, 0);
        bytes memory data = abi.encodeCall(h.verify, (proof, root, 2, 0, leaves[0]));
        (bool ok, bytes memory ret) = address(h).staticcall(data);
        assertTrue(ok && abi.decode(ret, (bool)), "clean proof verifies");
        // The single proof element is the last calldata word: set its lowest byte.
        data[data.length - 1] = 0x01;
        (ok, ret) = address(h).staticcall(data);
        assertTrue(ok && !abi.decode(ret, (bool)), "dirty padding refused");
    }

    /// @dev computeRoot refuses an empty tree; verify refuses every claim on one.
    function testEmptyTree() public {
        vm.expectRevert(abi.encodeWithSignature("EmptyTree()"));
        h.computeRoot(new bytes8[](0));
        assertTrue(!h.verify(new bytes8[](0), bytes8(0), 0, 0, bytes8(0)), "empty tree refused");
    }
}
