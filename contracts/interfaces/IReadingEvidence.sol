// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBatchLedger} from "./IBatchLedger.sol";
import {IGridShareErrors} from "./IGridShareErrors.sol";
import {ReadingLib} from "../libraries/ReadingLib.sol";

/// @title IReadingEvidence
/// @notice SPEC 5 evidence of a compromised meter: two different readings of one meter-period, both signed by the
/// meter, submitted as they are or as two leaves of one accepted batch. The errors of the evidence contract.
interface IReadingEvidence is IGridShareErrors {
    /// @dev The two readings are not of one meter and one period.
    error NotSameMeterPeriod(address meterA, uint32 periodA, address meterB, uint32 periodB);
    /// @dev The two readings are the same reading: the meter signed once, which proves nothing against it.
    error NotConflicting(address meter, uint32 period);
    /// @dev A reading's signature does not recover to its meter (or is not canonical).
    error InvalidReadingSignature(address meter, address signer);
    /// @dev The evidence is older than the retention window (SPEC 3: 13 weeks).
    error EvidenceTooOld(address meter, uint32 period, uint32 currentPeriod);
    /// @dev Both proofs name one leaf.
    error SameLeaf(uint32 index);
    /// @dev The meter's batch for the period is not accepted.
    error BatchNotAccepted(uint32 clusterId, uint32 period, IBatchLedger.BatchStatus status);
    /// @dev A proof does not lead from the reading's leaf to the accepted root.
    error InvalidMerkleProof(uint32 clusterId, uint32 period, uint32 index);
    /// @dev The ledger given at deployment reads another registry's topology.
    error LedgerOfAnotherRegistry(address ledgerRegistry, address registry);

    /// @notice Prove a meter compromised with two different readings of one of its periods, both signed by it.
    /// The registry refuses its readings from that period on. Anyone may call.
    /// @param a One reading. @param sigA Its meter signature.
    /// @param b The other reading. @param sigB Its meter signature.
    function proveConflictingReadings(
        ReadingLib.Reading calldata a,
        bytes calldata sigA,
        ReadingLib.Reading calldata b,
        bytes calldata sigB
    ) external;

    /// @notice Prove a meter compromised with two leaves of one accepted batch holding two different readings of
    /// it (leaves are sorted by meter, so they are adjacent), each with its 64-bit Merkle proof. Anyone may call.
    /// @param a One leaf's reading, signature, index and proof. @param b The other leaf's.
    function proveDuplicateLeaves(
        IBatchLedger.ReadingProof calldata a,
        IBatchLedger.ReadingProof calldata b
    ) external;
}
