// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IBatchLedger} from "./interfaces/IBatchLedger.sol";
import {IClusterRegistry} from "./interfaces/IClusterRegistry.sol";
import {IReadingEvidence} from "./interfaces/IReadingEvidence.sol";
import {GridConstants} from "./libraries/GridConstants.sol";
import {Merkle64} from "./libraries/Merkle64.sol";
import {ReadingLib} from "./libraries/ReadingLib.sol";

/// @title ReadingEvidence
/// @notice SPEC 5: a meter signs one reading per period and a reading has exactly one canonical signature, so two
/// different readings of one meter-period signed by the meter prove its key compromised. Anyone may submit them,
/// as they are or as two leaves of one accepted batch; the registry (which grants this contract EVIDENCE_ROLE)
/// then refuses the meter's readings from that period on. Twin of lib/batches/evidence.ts.
/// @dev Holds no state: every call either marks a meter in the registry (which emits MeterCompromised) or reverts.
/// Evidence older than the retention window is refused: its readings may be pruned, and settled weeks stand.
contract ReadingEvidence is IReadingEvidence {
    /// @notice The registry that marks meters (EIP-712 domain of readings, meters, clock).
    IClusterRegistry public immutable registry;
    /// @notice The ledger holding the accepted batch roots.
    IBatchLedger public immutable ledger;

    /// @param registry_ The cluster registry; it must grant this contract EVIDENCE_ROLE.
    /// @param ledger_ The batch ledger of that registry.
    constructor(IClusterRegistry registry_, IBatchLedger ledger_) {
        if (address(registry_) == address(0) || address(ledger_) == address(0)) revert ZeroAddress();
        if (address(ledger_.registry()) != address(registry_)) {
            revert LedgerOfAnotherRegistry(address(ledger_.registry()), address(registry_));
        }
        registry = registry_;
        ledger = ledger_;
    }

    /// @inheritdoc IReadingEvidence
    function proveConflictingReadings(
        ReadingLib.Reading calldata a,
        bytes calldata sigA,
        ReadingLib.Reading calldata b,
        bytes calldata sigB
    ) external {
        _requireConflict(a, b);
        _requireSignedByMeter(a, sigA);
        _requireSignedByMeter(b, sigB);
        _mark(a.meter, a.period);
    }

    /// @inheritdoc IReadingEvidence
    function proveDuplicateLeaves(
        IBatchLedger.ReadingProof calldata a,
        IBatchLedger.ReadingProof calldata b
    ) external {
        ReadingLib.Reading calldata r = a.reading;
        if (r.meter != b.reading.meter || r.period != b.reading.period) {
            revert NotSameMeterPeriod(r.meter, r.period, b.reading.meter, b.reading.period);
        }
        if (a.index == b.index) revert SameLeaf(a.index);
        uint32 clusterId = registry.meterInfo(r.meter).clusterId;
        if (clusterId == 0) revert UnknownMeter(r.meter);
        IBatchLedger.Batch memory batch = ledger.batchOf(clusterId, r.period);
        if (batch.status != IBatchLedger.BatchStatus.Accepted) {
            revert BatchNotAccepted(clusterId, r.period, batch.status);
        }
        _requireLeaf(a, batch, clusterId);
        _requireLeaf(b, batch, clusterId);
        _requireConflict(a.reading, b.reading);
        _requireSignedByMeter(a.reading, a.signature);
        _requireSignedByMeter(b.reading, b.signature);
        _mark(r.meter, r.period);
    }

    function _requireConflict(ReadingLib.Reading calldata a, ReadingLib.Reading calldata b) private pure {
        if (a.meter != b.meter || a.period != b.period)
            revert NotSameMeterPeriod(a.meter, a.period, b.meter, b.period);
        if (ReadingLib.hashStruct(a) == ReadingLib.hashStruct(b)) revert NotConflicting(a.meter, a.period);
    }

    function _requireSignedByMeter(ReadingLib.Reading calldata r, bytes calldata sig) private view {
        address signer = ECDSA.recover(registry.hashTypedData(ReadingLib.hashStruct(r)), sig);
        if (signer != r.meter) revert InvalidReadingSignature(r.meter, signer);
    }

    function _requireLeaf(
        IBatchLedger.ReadingProof calldata p,
        IBatchLedger.Batch memory batch,
        uint32 clusterId
    ) private pure {
        bytes8 leaf = ReadingLib.leaf(p.reading, p.signature);
        if (!Merkle64.verify(p.proof, batch.root, batch.leafCount, p.index, leaf)) {
            revert InvalidMerkleProof(clusterId, p.reading.period, p.index);
        }
    }

    /// @dev The registry refuses the meter's readings from `period` on (never a period older than the retention
    /// window; a period not reached yet is cut from the current one, the first that can still be signed).
    function _mark(address meter, uint32 period) private {
        uint32 current = registry.currentPeriod();
        if (current > period && current - period > GridConstants.RETENTION_PERIODS) {
            revert EvidenceTooOld(meter, period, current);
        }
        registry.markCompromised(meter, period < current ? period : current, msg.sender);
    }
}
