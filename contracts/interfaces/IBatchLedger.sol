// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClusterRegistry} from "./IClusterRegistry.sol";
import {ReadingLib} from "../libraries/ReadingLib.sol";

/// @title IBatchLedger
/// @notice What other contracts read from the double-authenticated batch ledger (SPEC 5, 6).
interface IBatchLedger {
    enum BatchStatus {
        None,
        Pending,
        Accepted,
        Disputed
    }

    /// @dev What the parent proposes and the neighbours vote on; its digest is keccak256(abi.encode(fields)).
    struct BatchHeader {
        uint32 clusterId;
        uint32 period;
        bytes8 root;
        uint32 leafCount;
        uint64 totalLoadWh;
        uint64 totalGenerationWh;
    }

    /// @dev A decided (or pending) batch as later consumers see it.
    struct Batch {
        BatchStatus status;
        bytes8 root;
        uint32 leafCount;
        uint64 totalLoadWh;
        uint64 totalGenerationWh;
        /// Percentage share allocation fixed at decision, 1e18 = 1.0 (SPEC 10).
        uint64 psa;
        uint40 decidedAt;
        bool parentOverruled;
    }

    /// @dev A meter-signed reading with its 64-bit Merkle proof against an accepted batch.
    struct ReadingProof {
        ReadingLib.Reading reading;
        bytes signature;
        uint32 index;
        bytes8[] proof;
    }

    /// @notice The registry this ledger reads topology and meters from.
    function registry() external view returns (IClusterRegistry);

    /// @notice A cluster-period's batch (status None when nothing was submitted).
    function batchOf(uint32 clusterId, uint32 period) external view returns (Batch memory);

    /// @notice Whether a cluster-period's batch was accepted.
    function isAccepted(uint32 clusterId, uint32 period) external view returns (bool);

    /// @notice Reverts unless `p` is a reading that counts: its batch is accepted, the meter was allowed for the
    /// period (registered in that cluster, not tampered/replaced/removed by then), the meter's signature is
    /// valid and canonical, the energy balance holds, and the 64-bit Merkle proof matches the batch root.
    /// @return clusterId The meter's cluster.
    /// @return batch The accepted batch the reading belongs to.
    function requireProvenReading(
        ReadingProof calldata p
    ) external view returns (uint32 clusterId, Batch memory batch);
}
