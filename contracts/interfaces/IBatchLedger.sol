// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClusterRegistry} from "./IClusterRegistry.sol";
import {IGridShareErrors} from "./IGridShareErrors.sol";
import {ReadingLib} from "../libraries/ReadingLib.sol";

/// @title IBatchLedger
/// @notice The double-authenticated batch ledger (SPEC 5, 6): its votes, what other contracts read from it, and
/// its events and errors.
interface IBatchLedger is IGridShareErrors {
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
        /// Sibling hashes bottom-up, packed at 8 bytes each (see Merkle64.verify).
        bytes proof;
    }

    /// @dev Proof that the accepted batch of `meter`'s cluster for `period` holds no reading of it (SPEC 5
    /// non-membership). Leaves are sorted by meter, so the leaves around the meter's address prove it: two
    /// adjacent ones, or one when the meter sorts before the first or after the last leaf (none for an empty
    /// batch), each as its reading, signature and proof. Their signatures are not checked: the leaf commits to
    /// the reading, and only its meter address is used.
    struct AbsenceProof {
        address meter;
        uint32 period;
        ReadingProof[] around;
    }

    /// @dev The voting record of one cluster-period (see BatchLedger for the rules).
    struct VoteTally {
        BatchStatus status;
        /// Voters (parent + assigned neighbours) snapshotted at the first vote; 0 before any vote.
        uint8 voterCount;
        /// Bit i set when voter slot i voted (slot 0 = parent, 1.. = neighbours in assignment order).
        uint8 votedMask;
        /// Candidate digests in order of first appearance (usually one).
        bytes32[] candidates;
        /// Votes per candidate, same order as `candidates`.
        uint8[] counts;
        /// Candidate index each voter slot voted for (meaningful only where `votedMask` has the bit).
        uint8[] choiceOf;
        /// Index of the accepted candidate (meaningful only when Accepted).
        uint8 winner;
        bool parentOverruled;
    }

    /// @notice The parent proposed its cluster's batch with digest `digest` (its vote).
    event BatchProposed(
        uint32 indexed clusterId,
        uint32 indexed period,
        address indexed parent,
        bytes32 digest
    );
    /// @notice An assigned neighbour voted for `digest`.
    event VoteCast(uint32 indexed clusterId, uint32 indexed period, address indexed voter, bytes32 digest);
    /// @notice `digest` reached a strict majority; its root, totals and PSA are stored.
    event BatchAccepted(
        uint32 indexed clusterId,
        uint32 indexed period,
        bytes32 digest,
        bool parentOverruled
    );
    /// @notice The batch was finalized without a majority: nothing of it counts.
    event BatchDisputed(uint32 indexed clusterId, uint32 indexed period);
    /// @notice `node` voted for a digest other than the accepted one.
    event FaultRecorded(address indexed node, uint32 indexed clusterId, uint32 indexed period);

    // Voting (SPEC 6).

    /// @dev `submitMany` was given an empty list.
    error NoHeaders();
    /// @dev The batch's period has not ended yet: its readings are incomplete.
    error FuturePeriod(uint32 clusterId, uint32 period, uint32 currentPeriod);
    /// @dev The batch's voting window (the period after it) has passed.
    error VotingClosed(uint32 clusterId, uint32 period, uint32 currentPeriod);
    error NotParent(uint32 clusterId, address caller, address parent);
    error NotAssignedNeighbour(uint32 clusterId, address caller);
    error NotAssignedVoter(uint32 clusterId, address caller);
    /// @dev The caller's voter slot lies beyond the voter count snapshotted at the batch's first vote.
    error VoterAfterSnapshot(uint32 clusterId, uint32 period, address voter, uint256 slot, uint8 voterCount);
    error AlreadyProposed(uint32 clusterId, uint32 period, address parent);
    error AlreadyVoted(uint32 clusterId, uint32 period, address voter);
    error BatchAlreadyDecided(uint32 clusterId, uint32 period, BatchStatus status);
    /// @dev `finalize` came while a majority can still be reached within the window.
    error VotingStillOpen(uint32 clusterId, uint32 period, uint32 currentPeriod);

    // Proven readings (SPEC 5); BatchNotAccepted is raised by Billing too, for a period without a PSA.

    /// @dev The cluster-period has no accepted batch (`status` is what it has instead).
    error BatchNotAccepted(uint32 clusterId, uint32 period, BatchStatus status);
    /// @dev The meter's reading does not count for the period (other cluster, or tampered/replaced/removed).
    error ReadingNotAllowed(address meter, uint32 clusterId, uint32 period);
    error InvalidReadingSignature(address meter, address signer);
    /// @dev `loadWh + exportWh != generationWh + importWh` (SPEC 4).
    error UnbalancedReading(address meter, uint32 period);
    /// @dev The reading breaks one of SPEC 4's value rules (a consumer's generation, a peak beyond a meter's
    /// power, energy beyond its peak x 4 h, export beyond generation); `rule` names the first one broken.
    error ImplausibleReading(address meter, uint32 period, ReadingLib.Rule rule);
    error InvalidMerkleProof(uint32 clusterId, uint32 period, uint32 index);
    /// @dev An absence proof's leaf holds a reading of another period than the one proven unread.
    error NeighbourOfOtherPeriod(uint32 period, uint32 neighbourPeriod);
    /// @dev The leaves given do not bracket the meter's address: they do not prove its reading absent.
    error NotAbsent(address meter, uint32 clusterId, uint32 period);

    /// @notice The parent proposes its cluster's batch header for a past period (counts as the parent's vote).
    function propose(BatchHeader calldata header) external;

    /// @notice An assigned neighbour votes for the header it computed itself (the parent's or its own).
    function vote(BatchHeader calldata header) external;

    /// @notice Propose or vote for several batches at once, each as the sender's role in that cluster.
    function submitMany(BatchHeader[] calldata headers) external;

    /// @notice Mark a batch without a majority Disputed once its window closed (or no digest can win any more).
    function finalize(uint32 clusterId, uint32 period) external;

    /// @notice Faults recorded against a node (votes for digests that lost).
    function faults(address node) external view returns (uint32);

    /// @notice The voting record of a cluster-period.
    function votesOf(uint32 clusterId, uint32 period) external view returns (VoteTally memory);

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

    /// @notice Reverts unless the batch of `a.meter`'s cluster for `a.period` is accepted and holds no reading of
    /// the meter: the given leaves are proven members of its root and bracket the meter's address (SPEC 5).
    /// @return clusterId The meter's cluster.
    /// @return batch The accepted batch the meter is missing from.
    function requireUnreadPeriod(
        AbsenceProof calldata a
    ) external view returns (uint32 clusterId, Batch memory batch);
}
