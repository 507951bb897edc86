// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ReadingLib
/// @notice SPEC 4 meter readings: the struct, its EIP-712 type hash, the 64-bit Merkle leaf and the energy
/// balance. Twin of lib/reading.ts.
library ReadingLib {
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
}
