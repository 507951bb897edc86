// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClusterRegistry} from "../interfaces/IClusterRegistry.sol";
import {IBatchLedger} from "../interfaces/IBatchLedger.sol";
import {ReadingLib} from "../libraries/ReadingLib.sol";

// BENCHMARK-ONLY baseline: a ledger that skips the proof check, so `npm run bench` can show what the
// 64-bit Merkle proof and signature check add to a bill. It implements the functions Billing calls
// (ABI-compatible with IBatchLedger) and nothing else.

/// @dev Batches are set directly; a reading "proves" when the test registered its exact content for an
/// accepted batch (signature and Merkle proof are the real ledger's job and are ignored here).
contract UncheckedBatchLedger {
    IClusterRegistry public immutable registry;
    mapping(uint32 clusterId => mapping(uint32 period => IBatchLedger.Batch)) private _batches;
    mapping(bytes32 readingHash => bool) private _proven;

    error BatchNotAccepted(uint32 clusterId, uint32 period);
    error ReadingNotAllowed(address meter, uint32 period);
    error UnprovenReading(address meter, uint32 period);

    constructor(IClusterRegistry registry_) {
        registry = registry_;
    }

    function setBatch(uint32 clusterId, uint32 period, IBatchLedger.Batch calldata b) external {
        _batches[clusterId][period] = b;
    }

    function setBatches(
        uint32 clusterId,
        uint32[] calldata periods,
        IBatchLedger.Batch[] calldata batches
    ) external {
        for (uint256 i; i < periods.length; ++i) _batches[clusterId][periods[i]] = batches[i];
    }

    function addProven(ReadingLib.Reading[] calldata readings) external {
        for (uint256 i; i < readings.length; ++i) _proven[keccak256(abi.encode(readings[i]))] = true;
    }

    function batchOf(uint32 clusterId, uint32 period) external view returns (IBatchLedger.Batch memory) {
        return _batches[clusterId][period];
    }

    function isAccepted(uint32 clusterId, uint32 period) external view returns (bool) {
        return _batches[clusterId][period].status == IBatchLedger.BatchStatus.Accepted;
    }

    function requireProvenReading(
        IBatchLedger.ReadingProof calldata p
    ) external view returns (uint32 clusterId, IBatchLedger.Batch memory batch) {
        clusterId = registry.meterInfo(p.reading.meter).clusterId;
        batch = _batches[clusterId][p.reading.period];
        if (batch.status != IBatchLedger.BatchStatus.Accepted)
            revert BatchNotAccepted(clusterId, p.reading.period);
        if (!registry.isReadingAllowed(p.reading.meter, clusterId, p.reading.period)) {
            revert ReadingNotAllowed(p.reading.meter, p.reading.period);
        }
        if (!_proven[keccak256(abi.encode(p.reading))])
            revert UnprovenReading(p.reading.meter, p.reading.period);
    }
}
