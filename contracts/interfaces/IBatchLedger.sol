// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClusterRegistry} from "./IClusterRegistry.sol";
import {IGridShareErrors} from "./IGridShareErrors.sol";
import {IVoterSetSink} from "./IVoterSetSink.sol";
import {ReadingLib} from "../libraries/ReadingLib.sol";

/// @title IBatchLedger
/// @notice The double-authenticated batch ledger (SPEC 5, 6): votes are EIP-712 attestations aggregated into
/// submissions, what other contracts read from it, and its events and errors.
interface IBatchLedger is IVoterSetSink, IGridShareErrors {
    enum BatchStatus {
        None,
        Pending,
        Accepted,
        Disputed
    }

    /// @dev Why a node was charged a fault.
    enum FaultKind {
        /// It attested a digest other than the accepted one.
        LosingDigest,
        /// Its attestation was not on chain when the batch's window closed.
        MissedVote
    }

    /// @dev What the voters attest to; its digest is keccak256(abi.encode(fields)). In a submission it is packed
    /// into 36 bytes (see BatchLedger).
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
        /// Percentage share allocation of the accepted totals, 1e18 = 1.0 (SPEC 10), derived at read time.
        uint64 psa;
        /// The parent's attestation on record is for a digest other than the accepted one.
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
        /// Version of the cluster's voter set the batch counts against (fixed at its first vote); the current
        /// one while nobody voted.
        uint32 voterSetVersion;
        /// That voter set: slot 0 is the parent, then the neighbours in assignment order.
        address[] voters;
        /// Bit i set when slot i's attestation is on record (once per batch, whatever digest).
        uint8 votedMask;
        /// Bit i set when slot i attested the accepted digest (meaningful only when Accepted).
        uint8 agreedMask;
        /// The accepted digest (zero unless Accepted).
        bytes32 digest;
        /// Missed-vote faults were charged (see {recordMissedVotes}).
        bool missedVotesRecorded;
    }

    /// @notice The registry pushed a new voter set for `clusterId` (version counts from 1).
    event VoterSetUpdated(uint32 indexed clusterId, uint32 version, address[] voters);
    /// @notice Attestations of the slots in `slots` for `digest` went on record without deciding the batch.
    event AttestationsRecorded(uint32 indexed clusterId, uint32 indexed period, bytes32 digest, uint8 slots);
    /// @notice `digest` reached a strict majority of at least 2 votes; its root and totals are stored.
    /// `votedMask`: slots with an attestation on record; `agreedMask`: those that attested `digest`.
    event BatchAccepted(
        uint32 indexed clusterId,
        uint32 indexed period,
        bytes32 digest,
        uint8 votedMask,
        uint8 agreedMask
    );
    /// @notice The batch was finalized without a majority: nothing of it counts.
    event BatchDisputed(uint32 indexed clusterId, uint32 indexed period);
    /// @notice `node` was charged a fault for the cluster-period.
    event FaultRecorded(
        address indexed node,
        uint32 indexed clusterId,
        uint32 indexed period,
        FaultKind kind
    );
    /// @notice Missed-vote faults were charged for the slots in `missedMask` (possibly none).
    event MissedVotesRecorded(uint32 indexed clusterId, uint32 indexed period, uint8 missedMask);

    // Voter sets.

    /// @dev Only the registry pushes voter sets.
    error NotRegistry(address caller);
    /// @dev A voter set must hold the parent and at most 3 neighbours.
    error InvalidVoterSet(uint32 clusterId, uint256 voterCount);
    /// @dev The cluster's voter set was replaced more often than a batch can record (`maxVersion` times).
    error VoterSetVersionsExhausted(uint32 clusterId, uint256 maxVersion);

    // Submissions (SPEC 6).

    /// @dev `submit` was given no item.
    error EmptySubmission();
    /// @dev A submission carries at most `max` cluster-periods (its gas must fit a block comfortably).
    error TooManyItems(uint256 max);
    /// @dev The packed submission ends early, has trailing bytes, or an attestation tag has unknown bits.
    error MalformedSubmission(uint256 offset);
    /// @dev Items must ascend by (clusterId, period): a cluster-period appears at most once per submission.
    error ItemsOutOfOrder(uint32 clusterId, uint32 period);
    /// @dev An item carries no attestation.
    error NoAttestations(uint32 clusterId, uint32 period);
    /// @dev An attestation names a voter slot the batch's voter set does not have.
    error SlotOutOfRange(uint32 clusterId, uint32 period, uint8 slot, uint256 voterCount);
    /// @dev Two attestations of one item name the same voter slot.
    error DuplicateAttestation(uint32 clusterId, uint32 period, uint8 slot);
    /// @dev The signature is malformed, has a high s value or recovers to nobody (OpenZeppelin ECDSA).
    error InvalidAttestationSignature(uint32 clusterId, uint32 period, uint8 slot);
    /// @dev The attestation in `slot` recovers to `signer`, who is no voter of this batch (the slot's voter is
    /// `voter`). Either an unassigned node signed it, or it was signed over something else: another cluster,
    /// period or digest, or another EIP-712 domain (another chain id or verifying contract). A signature over
    /// other data recovers to an unrelated address, so all of these land here.
    error UnassignedSigner(uint32 clusterId, uint32 period, uint8 slot, address signer, address voter);
    /// @dev The attestation in `slot` is signed by `signer`, a voter of this batch in another slot.
    error WrongAttestationSlot(uint32 clusterId, uint32 period, uint8 slot, address signer);
    /// @dev The address given for the absent voter in `slot` is not that slot's voter.
    error VoterMismatch(uint32 clusterId, uint32 period, uint8 slot, address given, address voter);
    /// @dev The batch's period has not ended yet: its readings are incomplete.
    error FuturePeriod(uint32 clusterId, uint32 period, uint32 currentPeriod);
    /// @dev The batch's voting window (the period after it) has passed.
    error VotingClosed(uint32 clusterId, uint32 period, uint32 currentPeriod);
    error BatchAlreadyDecided(uint32 clusterId, uint32 period, BatchStatus status);
    /// @dev `finalize` or `recordMissedVotes` came before the batch's window closed.
    error VotingStillOpen(uint32 clusterId, uint32 period, uint32 currentPeriod);
    /// @dev `recordMissedVotes` needs a decided batch: finalize an undecided one first.
    error BatchNotDecided(uint32 clusterId, uint32 period, BatchStatus status);
    error MissedVotesAlreadyRecorded(uint32 clusterId, uint32 period);
    /// @dev The period is older than the ledger's ring of periods (BatchLedger.RING_PERIODS, about 24 weeks,
    /// beyond SPEC 3's 13-week retention): its word was reused; its BatchAccepted event remains in the log.
    error BatchExpired(uint32 clusterId, uint32 period, uint32 currentPeriod);
    /// @dev A header total at or above 2^maxBits Wh: more than any batch of valid readings can carry.
    error TotalsOutOfRange(uint32 clusterId, uint32 period, uint256 maxBits);

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

    /// @notice Record attestations for one or more cluster-periods (packed, see BatchLedger); a batch whose
    /// header digest reaches a strict majority of at least 2 of its voters is accepted. Anyone may submit.
    function submit(bytes calldata items) external;

    /// @notice Mark a batch without a majority Disputed once its window closed.
    function finalize(uint32 clusterId, uint32 period) external;

    /// @notice Charge a missed-vote fault to every voter of a decided batch whose attestation is not on record,
    /// once its window closed. Anyone may call, once per batch.
    function recordMissedVotes(uint32 clusterId, uint32 period) external;

    /// @notice Faults recorded against a node (losing digests and missed votes).
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
