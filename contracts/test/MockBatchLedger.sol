// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBatchLedger} from "../interfaces/IBatchLedger.sol";
import {IClusterRegistry} from "../interfaces/IClusterRegistry.sol";

/// @dev Test-only stand-in for BatchLedger until it lands on main: a reading "is proven" when the test marked
/// exactly that reading (all fields) as proven. Lets the certificate rules be tested on their own. Implements only
/// the part of IBatchLedger that CapacityCertificates calls.
contract MockBatchLedger {
    IClusterRegistry public immutable registry;
    mapping(bytes32 readingHash => bool) private _proven;

    error ReadingNotProven(address meter, uint32 period);

    constructor(IClusterRegistry registry_) {
        registry = registry_;
    }

    /// @notice Mark a reading as proven against an accepted batch.
    function setProven(IBatchLedger.ReadingProof calldata p, bool proven) external {
        _proven[keccak256(abi.encode(p.reading))] = proven;
    }

    /// @notice Reverts unless the reading was marked proven.
    function requireProvenReading(
        IBatchLedger.ReadingProof calldata p
    ) external view returns (uint32 clusterId, IBatchLedger.Batch memory batch) {
        if (!_proven[keccak256(abi.encode(p.reading))])
            revert ReadingNotProven(p.reading.meter, p.reading.period);
        clusterId = registry.meterInfo(p.reading.meter).clusterId;
        batch.status = IBatchLedger.BatchStatus.Accepted;
    }
}
