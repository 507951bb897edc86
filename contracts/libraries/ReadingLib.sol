// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {GridConstants} from "./GridConstants.sol";
import {Merkle64} from "./Merkle64.sol";

/// @title ReadingLib
/// @notice SPEC 4 meter readings: the struct, its EIP-712 type hash, the 64-bit Merkle leaf, the energy balance
/// and the value rules. Twin of lib/batches/reading.ts; pinned to it by test/vectors/merkle64.json and
/// test/vectors/reading-rules.json.
library ReadingLib {
    /// @dev SPEC 4's value rules in the order both twins check them (the first broken one is reported); the
    /// names and order are lib/batches/reading.ts's READING_RULES.
    enum Rule {
        None,
        Unbalanced,
        ConsumerGeneration,
        PeakLoadAboveMax,
        PeakGenerationAboveMax,
        LoadAbovePeak,
        GenerationAbovePeak,
        ExportAboveGeneration
    }

    /// @dev One meter's signed reading for one 4-hour period.
    struct Reading {
        address meter;
        uint32 period;
        uint64 importWh;
        uint64 exportWh;
        uint64 loadWh;
        uint64 generationWh;
        uint32 peakLoadW;
        uint32 peakGenerationW;
    }

    bytes32 internal constant READING_TYPEHASH = keccak256(
        "Reading(address meter,uint32 period,uint64 importWh,uint64 exportWh,uint64 loadWh,uint64 generationWh,"
        "uint32 peakLoadW,uint32 peakGenerationW)"
    );

    /// @dev SPEC 5: signatures are exactly `r || s || v`.
    uint256 internal constant SIGNATURE_LENGTH = 65;

    /// @dev A leaf was asked for with a signature that is not 65 bytes.
    error InvalidSignatureLength(uint256 length);

    /// @notice EIP-712 `hashStruct` of a reading.
    /// @param r The reading.
    /// @return The struct hash `keccak256(abi.encode(READING_TYPEHASH, fields...))`.
    function hashStruct(Reading calldata r) internal pure returns (bytes32) {
        // A struct of static fields ABI-encodes exactly as its fields in order.
        return keccak256(abi.encode(READING_TYPEHASH, r));
    }

    /// @notice The EIP-712 digest a meter signs for `r` in the domain `domainSeparator`.
    /// @param r The reading.
    /// @param domainSeparator The registry's EIP-712 domain separator.
    /// @return The typed-data digest.
    function digest(Reading calldata r, bytes32 domainSeparator) internal pure returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(domainSeparator, hashStruct(r));
    }

    /// @notice The address that signed `r`; reverts (OpenZeppelin ECDSA errors) unless `sig` is a canonical
    /// 65-byte low-s signature, so one reading has exactly one accepted signature (SPEC 5).
    /// @param r The reading.
    /// @param sig The signature `r || s || v`.
    /// @param domainSeparator The registry's EIP-712 domain separator.
    /// @return The signer's address (compare it with `r.meter`).
    function signer(
        Reading calldata r,
        bytes calldata sig,
        bytes32 domainSeparator
    ) internal pure returns (address) {
        if (sig.length != SIGNATURE_LENGTH) revert InvalidSignatureLength(sig.length);
        return ECDSA.recover(digest(r, domainSeparator), sig);
    }

    /// @notice SPEC 5 leaf: `H64(0x00 || abi.encode(8 fields) || sig)`.
    /// @dev Does not check the signature: callers recover it with `signer` first.
    /// @param r The reading.
    /// @param sig The 65-byte signature.
    /// @return The 64-bit leaf hash.
    function leaf(Reading calldata r, bytes calldata sig) internal pure returns (bytes8) {
        if (sig.length != SIGNATURE_LENGTH) revert InvalidSignatureLength(sig.length);
        return Merkle64.hashLeaf(abi.encodePacked(abi.encode(r), sig));
    }

    /// @notice SPEC 4 energy balance `loadWh + exportWh == generationWh + importWh` (in 256 bits: no overflow).
    /// @param r The reading.
    /// @return Whether the balance holds.
    function isBalanced(Reading calldata r) internal pure returns (bool) {
        return uint256(r.loadWh) + r.exportWh == uint256(r.generationWh) + r.importWh;
    }

    /// @notice The first SPEC 4 rule `r` breaks (`Rule.None` when it breaks none): the balance; no generation
    /// on a consumer meter; both peaks within a meter's power; each energy within its peak held for the whole
    /// period; export within generation. The same rules the gateways apply before a reading enters a batch.
    /// @param r The reading.
    /// @param consumer Whether the registry lists the meter as a consumer.
    /// @return The broken rule, or `Rule.None`.
    function violation(Reading calldata r, bool consumer) internal pure returns (Rule) {
        if (!isBalanced(r)) return Rule.Unbalanced;
        if (consumer && (r.generationWh != 0 || r.peakGenerationW != 0)) return Rule.ConsumerGeneration;
        if (r.peakLoadW > GridConstants.MAX_METER_POWER_W) return Rule.PeakLoadAboveMax;
        if (r.peakGenerationW > GridConstants.MAX_METER_POWER_W) return Rule.PeakGenerationAboveMax;
        if (r.loadWh > uint256(r.peakLoadW) * GridConstants.PERIOD_HOURS) return Rule.LoadAbovePeak;
        if (r.generationWh > uint256(r.peakGenerationW) * GridConstants.PERIOD_HOURS) {
            return Rule.GenerationAbovePeak;
        }
        if (r.exportWh > r.generationWh) return Rule.ExportAboveGeneration;
        return Rule.None;
    }
}
