// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Merkle64} from "../libraries/Merkle64.sol";

/// @title MerkleProofBench
/// @notice Benchmark harness, not part of GridShare: runs GridShare's 64-bit Merkle proof check and OpenZeppelin's
/// 256-bit `MerkleProof.verifyCalldata` on the same kind of input (a calldata proof of one leaf) and reports the
/// execution gas of the verification alone, measured with `gasleft()` around the library call, so the two are
/// compared without the transaction floor and ABI decoding that both pay alike.
contract MerkleProofBench {
    /// @notice Verify a Merkle64 proof and measure it.
    /// @param proof Sibling hashes bottom-up, packed at 8 bytes each.
    /// @param root Committed root `H64(0x02 || uint32 leafCount || top)`.
    /// @param leafCount Leaves of the tree.
    /// @param index Position of the leaf.
    /// @param leaf Leaf hash.
    /// @return ok Whether the proof holds.
    /// @return gasUsed Gas spent inside `Merkle64.verify`.
    function merkle64(
        bytes calldata proof,
        bytes8 root,
        uint32 leafCount,
        uint256 index,
        bytes8 leaf
    ) external view returns (bool ok, uint256 gasUsed) {
        uint256 before = gasleft();
        ok = Merkle64.verify(proof, root, leafCount, index, leaf);
        gasUsed = before - gasleft();
    }

    /// @notice Verify an OpenZeppelin (sorted-pair, 256-bit) proof and measure it.
    /// @param proof Sibling hashes bottom-up.
    /// @param root Tree root.
    /// @param leaf Leaf hash.
    /// @return ok Whether the proof holds.
    /// @return gasUsed Gas spent inside `MerkleProof.verifyCalldata`.
    function openZeppelin(
        bytes32[] calldata proof,
        bytes32 root,
        bytes32 leaf
    ) external view returns (bool ok, uint256 gasUsed) {
        uint256 before = gasleft();
        ok = MerkleProof.verifyCalldata(proof, root, leaf);
        gasUsed = before - gasleft();
    }
}
