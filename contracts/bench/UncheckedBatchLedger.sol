// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClusterRegistry} from "../interfaces/IClusterRegistry.sol";
import {IBatchLedger} from "../interfaces/IBatchLedger.sol";
import {MesMath} from "../libraries/MesMath.sol";
import {ReadingLib} from "../libraries/ReadingLib.sol";

// BENCHMARK-ONLY baseline: a ledger that skips the proof check, so `npm run bench` can show what the
// 64-bit Merkle proof and signature check add to a bill. It implements the functions Billing calls
// (ABI-compatible with IBatchLedger) and nothing else.

/// @dev Batches are set directly; a reading "proves" when the test registered its exact content for an
/// accepted batch (signature and Merkle proof are the real ledger's job and are ignored here). A batch is
/// stored as the real ledger stores it, in one word with PSA derived at read time, so that the two differ by
/// the proof check only.
contract UncheckedBatchLedger {
    IClusterRegistry public immutable registry;
    /// @dev status (bits 0..7) | parentOverruled (8) | root (192..255) | leafCount (160..191) |
    /// totalLoadWh (96..159) | totalGenerationWh (32..95).
    mapping(uint32 clusterId => mapping(uint32 period => uint256 word)) private _batches;
    mapping(bytes32 readingHash => bool) private _proven;

    error BatchNotAccepted(uint32 clusterId, uint32 period);
    error ReadingNotAllowed(address meter, uint32 period);
    error UnprovenReading(address meter, uint32 period);

    constructor(IClusterRegistry registry_) {
        registry = registry_;
    }

    function setBatch(uint32 clusterId, uint32 period, IBatchLedger.Batch calldata b) external {
        _batches[clusterId][period] = _pack(b);
    }

    function setBatches(
        uint32 clusterId,
        uint32[] calldata periods,
        IBatchLedger.Batch[] calldata batches
    ) external {
        for (uint256 i; i < periods.length; ++i) _batches[clusterId][periods[i]] = _pack(batches[i]);
    }

    function addProven(ReadingLib.Reading[] calldata readings) external {
        for (uint256 i; i < readings.length; ++i) _proven[keccak256(abi.encode(readings[i]))] = true;
    }

    function batchOf(uint32 clusterId, uint32 period) external view returns (IBatchLedger.Batch memory) {
        return _unpack(_batches[clusterId][period]);
    }

    function isAccepted(uint32 clusterId, uint32 period) external view returns (bool) {
        return uint8(_batches[clusterId][period]) == uint8(IBatchLedger.BatchStatus.Accepted);
    }

    function requireProvenReading(
        IBatchLedger.ReadingProof calldata p
    ) external view returns (uint32 clusterId, IBatchLedger.Batch memory batch) {
        clusterId = registry.meterInfo(p.reading.meter).clusterId;
        batch = _unpack(_batches[clusterId][p.reading.period]);
        if (batch.status != IBatchLedger.BatchStatus.Accepted)
            revert BatchNotAccepted(clusterId, p.reading.period);
        if (!registry.isReadingAllowed(p.reading.meter, clusterId, p.reading.period)) {
            revert ReadingNotAllowed(p.reading.meter, p.reading.period);
        }
        if (!_proven[keccak256(abi.encode(p.reading))])
            revert UnprovenReading(p.reading.meter, p.reading.period);
    }

    function _pack(IBatchLedger.Batch calldata b) private pure returns (uint256) {
        return
            uint256(uint8(b.status)) |
            (b.parentOverruled ? 1 << 8 : 0) |
            (uint256(uint64(b.root)) << 192) |
            (uint256(b.leafCount) << 160) |
            (uint256(b.totalLoadWh) << 96) |
            (uint256(b.totalGenerationWh) << 32);
    }

    function _unpack(uint256 word) private pure returns (IBatchLedger.Batch memory b) {
        b.status = IBatchLedger.BatchStatus(uint8(word));
        if (b.status != IBatchLedger.BatchStatus.Accepted) return b;
        b.parentOverruled = (word >> 8) & 1 != 0;
        b.root = bytes8(uint64(word >> 192));
        b.leafCount = uint32(word >> 160);
        b.totalLoadWh = uint64(word >> 96);
        b.totalGenerationWh = uint64(word >> 32);
        b.psa = uint64(MesMath.psa(b.totalLoadWh, b.totalGenerationWh));
    }
}
