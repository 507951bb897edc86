// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {BatchLedger} from "../../contracts/BatchLedger.sol";
import {ClusterRegistry} from "../../contracts/ClusterRegistry.sol";

/// @dev SPEC 6 attestations in Solidity against the shared vectors (test/vectors/attestation.json, written by
/// lib/batches/attestation.ts): the ledger's type hash and domain, and for every vector the struct hash, the
/// typed-data hash under the vector's domain, and the signer OpenZeppelin's ECDSA recovers.
contract AttestationTest is Base {
    /// @dev One array per field; row i across them is one attestation.
    struct Vectors {
        uint256 chainId;
        address verifyingContract;
        bytes32 typeHash;
        bytes32 domainSeparator;
        uint256[] clusterId;
        uint256[] period;
        bytes32[] digest;
        address[] signer;
        bytes[] signature;
        bytes32[] structHash;
        bytes32[] hash;
    }

    string private constant VECTORS_TYPE =
        "Vectors(uint256 chainId,address verifyingContract,bytes32 typeHash,bytes32 domainSeparator,"
        "uint256[] clusterId,uint256[] period,bytes32[] digest,address[] signer,bytes[] signature,"
        "bytes32[] structHash,bytes32[] hash)";
    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );

    function _vectors() internal view returns (Vectors memory) {
        return abi.decode(readVectors("test/vectors/attestation.json", VECTORS_TYPE), (Vectors));
    }

    function testSharedVectors() public view {
        Vectors memory v = _vectors();
        assertTrue(v.digest.length >= 20, "at least 20 vectors");
        bytes32 typeHash = keccak256("Attestation(uint32 clusterId,uint32 period,bytes32 digest)");
        assertTrue(v.typeHash == typeHash, "type hash");
        bytes32 separator = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256("GridShare Ledger"),
                keccak256("1"),
                v.chainId,
                v.verifyingContract
            )
        );
        assertTrue(separator == v.domainSeparator, "domain separator");
        for (uint256 i; i < v.digest.length; ++i) {
            bytes32 structHash = keccak256(
                abi.encode(typeHash, uint32(v.clusterId[i]), uint32(v.period[i]), v.digest[i])
            );
            assertTrue(structHash == v.structHash[i], "struct hash");
            bytes32 hash = MessageHashUtils.toTypedDataHash(separator, structHash);
            assertTrue(hash == v.hash[i], "typed-data hash");
            assertTrue(ECDSA.recover(hash, v.signature[i]) == v.signer[i], "signer");
        }
    }

    /// @dev A deployed ledger hashes every vector's attestation as the formula does in its own domain: the
    /// vectors' struct hashes under (its name, version, this chain id, its address).
    function testLedgerHashesLikeTheVectors() public {
        vm.warp(1_704_067_200 + 1);
        ClusterRegistry registry = new ClusterRegistry(address(this), address(0), 1_704_067_200, 4);
        BatchLedger ledger = new BatchLedger(registry);
        Vectors memory v = _vectors();
        assertTrue(ledger.ATTESTATION_TYPEHASH() == v.typeHash, "type hash");
        bytes32 separator = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256(bytes(ledger.EIP712_NAME())),
                keccak256(bytes(ledger.EIP712_VERSION())),
                block.chainid,
                address(ledger)
            )
        );
        for (uint256 i; i < v.digest.length; ++i) {
            bytes32 expected = MessageHashUtils.toTypedDataHash(separator, v.structHash[i]);
            bytes32 got = ledger.attestationHash(uint32(v.clusterId[i]), uint32(v.period[i]), v.digest[i]);
            assertTrue(got == expected, "ledger's typed-data hash");
        }
    }
}
