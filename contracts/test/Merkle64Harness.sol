// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Merkle64} from "../libraries/Merkle64.sol";
import {ReadingLib} from "../libraries/ReadingLib.sol";

/// @title Merkle64Harness
/// @notice Test-only: exposes Merkle64 and ReadingLib (calldata entry points) and batch checks, so that the
/// TypeScript twins can be compared against them over many trees in few eth_calls. Never deployed.
contract Merkle64Harness {
    /// @dev One proof claim, as a verifier would receive it.
    struct Claim {
        bytes8 root;
        uint32 leafCount;
        uint256 index;
        bytes8 leaf;
        /// Siblings bottom-up, 8 bytes each.
        bytes proof;
    }

    /// @dev Leaves of one tree to verify, each with its proof (concatenated in list order).
    struct TreeCheck {
        bytes8 root;
        uint32 leafCount;
        uint256[] indices;
        bytes8[] leaves;
        /// The listed leaves' packed proofs, concatenated.
        bytes proofs;
        bytes8[] allLeaves;
    }

    /// @dev `checkTrees` got a leaf list not matching its index list.
    error LeafCountMismatch(uint256 leaves, uint32 leafCount);
    /// @dev `checkTrees`'s concatenated proofs (in bytes) are not exactly as long as the leaves need.
    error ProofsLengthMismatch(uint256 given, uint256 needed);

    /// @notice Merkle64.hashNode.
    /// @param left Left child. @param right Right child.
    /// @return The node hash.
    function hashNode(bytes8 left, bytes8 right) external pure returns (bytes8) {
        return Merkle64.hashNode(left, right);
    }

    /// @notice Plain-Solidity node hash, the reference the assembly version is fuzzed against.
    /// @param left Left child. @param right Right child.
    /// @return The node hash.
    function hashNodePlain(bytes8 left, bytes8 right) external pure returns (bytes8) {
        return _hashNodePlain(left, right);
    }

    /// @notice Merkle64.hashRoot.
    /// @param leafCount Leaf count. @param top Top node.
    /// @return The root.
    function hashRoot(uint32 leafCount, bytes8 top) external pure returns (bytes8) {
        return Merkle64.hashRoot(leafCount, top);
    }

    /// @notice Plain-Solidity root hash.
    /// @param leafCount Leaf count. @param top Top node.
    /// @return The root.
    function hashRootPlain(uint32 leafCount, bytes8 top) external pure returns (bytes8) {
        return _hashRootPlain(leafCount, top);
    }

    /// @notice Merkle64.verify on one claim.
    /// @param c The claim.
    /// @return Whether the proof holds.
    function verify(Claim calldata c) external pure returns (bool) {
        return _verify(c);
    }

    /// @notice Plain-Solidity verifier: the reference Merkle64.verify's assembly loop is fuzzed against.
    /// @param c The claim.
    /// @return Whether the proof holds.
    function verifyPlain(Claim calldata c) external pure returns (bool) {
        return _verifyPlain(c);
    }

    /// @notice Merkle64.verify (or the plain reference) with the gas its execution took. ABI decoding of the
    /// call is excluded; both paths read the claim's fields from calldata alike.
    /// @param c The claim.
    /// @param plain Measure the plain reference instead of Merkle64.verify.
    /// @return ok Whether the proof holds.
    /// @return gasUsed Gas spent verifying.
    function verifyGas(Claim calldata c, bool plain) external view returns (bool ok, uint256 gasUsed) {
        uint256 before = gasleft();
        ok = plain ? _verifyPlain(c) : _verify(c);
        gasUsed = before - gasleft();
    }

    /// @notice Merkle64.computeRoot.
    /// @param leaves Leaves in order.
    /// @return The root.
    function computeRoot(bytes8[] calldata leaves) external pure returns (bytes8) {
        return Merkle64.computeRoot(leaves);
    }

    /// @notice Check many trees in one call (keeps a 1,000-tree comparison to few eth_calls).
    /// @param trees Per tree: the listed leaves with their proofs, and optionally all leaves to recompute the root.
    /// @return valid Per tree, how many listed leaves verified.
    /// @return recomputed Per tree, Merkle64.computeRoot(allLeaves), or zero when allLeaves is empty.
    function checkTrees(
        TreeCheck[] calldata trees
    ) external pure returns (uint256[] memory valid, bytes8[] memory recomputed) {
        valid = new uint256[](trees.length);
        recomputed = new bytes8[](trees.length);
        for (uint256 t; t < trees.length; ++t) {
            valid[t] = _checkTree(trees[t]);
            if (trees[t].allLeaves.length > 0) recomputed[t] = Merkle64.computeRoot(trees[t].allLeaves);
        }
    }

    function _checkTree(TreeCheck calldata tc) private pure returns (uint256 valid) {
        if (tc.leaves.length != tc.indices.length) revert LeafCountMismatch(tc.leaves.length, tc.leafCount);
        uint256 offset;
        for (uint256 k; k < tc.indices.length; ++k) {
            uint256 end = offset + Merkle64.proofLength(tc.leafCount, tc.indices[k]) * Merkle64.HASH64_BYTES;
            if (end > tc.proofs.length) revert ProofsLengthMismatch(tc.proofs.length, end);
            if (Merkle64.verify(tc.proofs[offset:end], tc.root, tc.leafCount, tc.indices[k], tc.leaves[k]))
                ++valid;
            offset = end;
        }
        if (offset != tc.proofs.length) revert ProofsLengthMismatch(tc.proofs.length, offset);
    }

    /// @notice Merkle64.provesAbsence.
    /// @param leafCount Leaf count. @param key Key shown absent. @param around Its neighbours.
    /// @return Whether the neighbours prove the key absent.
    function provesAbsence(
        uint256 leafCount,
        uint256 key,
        Merkle64.Neighbour[] calldata around
    ) external pure returns (bool) {
        return Merkle64.provesAbsence(leafCount, key, around);
    }

    /// @notice Verify independent claims (tampered ones included).
    /// @param claims The claims.
    /// @return results Merkle64.verify per claim.
    function verifyClaims(Claim[] calldata claims) external pure returns (bool[] memory results) {
        results = new bool[](claims.length);
        for (uint256 i; i < claims.length; ++i) results[i] = _verify(claims[i]);
    }

    /// @notice ReadingLib.hashStruct.
    /// @param r Reading.
    /// @return The EIP-712 struct hash.
    function hashStruct(ReadingLib.Reading calldata r) external pure returns (bytes32) {
        return ReadingLib.hashStruct(r);
    }

    /// @notice ReadingLib.digest.
    /// @param r Reading. @param domainSeparator Domain separator.
    /// @return The EIP-712 digest.
    function readingDigest(
        ReadingLib.Reading calldata r,
        bytes32 domainSeparator
    ) external pure returns (bytes32) {
        return ReadingLib.digest(r, domainSeparator);
    }

    /// @notice ReadingLib.signer.
    /// @param r Reading. @param sig Signature. @param domainSeparator Domain separator.
    /// @return The recovered signer.
    function readingSigner(
        ReadingLib.Reading calldata r,
        bytes calldata sig,
        bytes32 domainSeparator
    ) external pure returns (address) {
        return ReadingLib.signer(r, sig, domainSeparator);
    }

    /// @notice ReadingLib.leaf.
    /// @param r Reading. @param sig Signature.
    /// @return The leaf hash.
    function readingLeaf(ReadingLib.Reading calldata r, bytes calldata sig) external pure returns (bytes8) {
        return ReadingLib.leaf(r, sig);
    }

    /// @notice ReadingLib.isBalanced.
    /// @param r Reading.
    /// @return Whether the energy balance holds.
    function isBalanced(ReadingLib.Reading calldata r) external pure returns (bool) {
        return ReadingLib.isBalanced(r);
    }

    /// @notice ReadingLib.violation.
    /// @param r Reading. @param consumer Whether the meter is a consumer.
    /// @return The first broken rule, or None.
    function readingViolation(
        ReadingLib.Reading calldata r,
        bool consumer
    ) external pure returns (ReadingLib.Rule) {
        return ReadingLib.violation(r, consumer);
    }

    function _verify(Claim calldata c) private pure returns (bool) {
        return Merkle64.verify(c.proof, c.root, c.leafCount, c.index, c.leaf);
    }

    /// @dev Written from SPEC 5 with plain keccak256 and none of the library's hashing or loop, so that fuzzing
    /// compares two implementations rather than one with itself.
    function _verifyPlain(Claim calldata c) private pure returns (bool) {
        uint256 index = c.index;
        if (index >= c.leafCount) return false;
        bytes calldata proof = c.proof;
        bytes8 h = c.leaf;
        uint256 used;
        for (uint256 n = c.leafCount; n > 1; n = (n + 1) / 2) {
            if ((index ^ 1) < n) {
                if (used + Merkle64.HASH64_BYTES > proof.length) return false;
                bytes8 sibling = bytes8(proof[used:used + Merkle64.HASH64_BYTES]);
                used += Merkle64.HASH64_BYTES;
                h = index % 2 == 1 ? _hashNodePlain(sibling, h) : _hashNodePlain(h, sibling);
            }
            index /= 2;
        }
        return used == proof.length && _hashRootPlain(c.leafCount, h) == c.root;
    }

    function _hashNodePlain(bytes8 left, bytes8 right) private pure returns (bytes8) {
        return bytes8(keccak256(abi.encodePacked(Merkle64.NODE_PREFIX, left, right)));
    }

    function _hashRootPlain(uint32 leafCount, bytes8 top) private pure returns (bytes8) {
        return bytes8(keccak256(abi.encodePacked(Merkle64.ROOT_PREFIX, leafCount, top)));
    }
}
