// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IBatchLedger} from "./interfaces/IBatchLedger.sol";
import {IClusterRegistry} from "./interfaces/IClusterRegistry.sol";
import {GridConstants} from "./libraries/GridConstants.sol";
import {Merkle64} from "./libraries/Merkle64.sol";
import {MesMath} from "./libraries/MesMath.sol";
import {ReadingLib} from "./libraries/ReadingLib.sol";

/// @title BatchLedger
/// @notice Double authentication of 64-bit Merkle batches (SPEC 5, 6). For each cluster-period the parent node
/// proposes a header `(clusterId, period, root, leafCount, totalLoadWh, totalGenerationWh)`; each assigned
/// neighbour recomputes it from its own copy of the readings and votes for the digest it computed
/// (`keccak256(abi.encode(header))`). A digest holding a strict majority of the voters (parent + assigned
/// neighbours: 2 of 2, 2 of 3, 3 of 4) is accepted; its root, totals and PSA are stored once, at decision.
///
/// Rules chosen where SPEC 6 is silent:
/// - Window: the batch of period `p` can be proposed and voted only while `registry.currentPeriod() == p + 1`
///   (readings of `p` are complete once `p` ended; the vote closes at the end of the next period). Earlier is
///   {FuturePeriod}, later is {VotingClosed}.
/// - Order: votes are order-independent; a neighbour may vote before the parent proposes. The parent's proposal
///   is the parent's vote.
/// - Voter slots: slot 0 is the parent, slots 1.. are the neighbours in `registry.votersOf` order at the time of
///   the call. The voter count is snapshotted at the first vote of a batch; a slot at or beyond the snapshot
///   (a neighbour added mid-window) is refused, and each slot votes once (a newly assigned neighbour may use a
///   slot whose former holder had not voted). A 32-bit tag of the voter list is snapshotted too: if the
///   utility reassigned neighbours before the decision, the faults of votes cast before it cannot be charged to
///   the right node and are not charged at all (never to an innocent node); the vote events still name them.
/// - After acceptance, neighbours may still vote within the window: the vote is recorded and a vote for another
///   digest is a fault. A proposal after a decision is refused ({BatchAlreadyDecided}).
/// - `parentOverruled` is true when the parent had proposed a digest other than the accepted one, i.e. a
///   neighbour majority agreed on another digest. A parent that never proposed is not overruled.
/// - Faults: a voter whose digest is not the accepted one gets one fault (at decision, or at its late vote).
///   A Disputed batch has no canonical digest, so it charges no faults.
/// - Disputed: anyone may {finalize} a batch without a majority once its window closed, or earlier when no
///   digest can reach a majority any more (e.g. every voter voted). A cluster-period nobody submitted can be
///   finalized Disputed too. Nothing of a Disputed batch counts.
///
/// Storage: one slot per batch for the tally and the accepted root (`Tally`), one for totals and PSA written at
/// decision (`Totals`), one per distinct candidate digest (usually one). Decision gas does not depend on the
/// number of meters.
contract BatchLedger is IBatchLedger {
    /// @dev Parent + at most GridConstants.MAX_NEIGHBOURS (3) neighbours, SPEC 2. A literal because it sizes a
    /// storage array; the constructor checks that it agrees with GridConstants.
    uint256 private constant MAX_VOTERS = 4;
    /// @dev Voter slot of the parent in `registry.votersOf`.
    uint256 private constant PARENT_SLOT = 0;
    /// @dev Bits per voter slot in `Tally.choices` (a candidate index 0..3).
    uint256 private constant CHOICE_BITS = 2;
    uint256 private constant CHOICE_MASK = (1 << CHOICE_BITS) - 1;
    /// @dev Bits per candidate in `Tally.counts` (a vote count 0..4).
    uint256 private constant COUNT_BITS = 8;
    uint256 private constant COUNT_MASK = (1 << COUNT_BITS) - 1;
    /// @dev The batch of period p is voted while the current period is p + 1.
    uint256 private constant VOTING_WINDOW_PERIODS = 1;
    /// @dev `_slotOf` result for a caller that is not a voter of the cluster.
    uint256 private constant NO_SLOT = type(uint256).max;

    enum Role {
        Parent,
        Neighbour,
        Either
    }

    /// @dev Slot A: the whole voting state plus the accepted root (248 bits). 11 members: one more makes the
    /// compiler's memory-to-storage copy cost ~2,900 gas more per vote (measured).
    struct Tally {
        BatchStatus status;
        uint8 voterCount;
        uint8 votedMask;
        uint8 choices;
        uint8 winner;
        bool parentOverruled;
        /// First 4 bytes of keccak256(abi.encode(voters)) at the first vote.
        bytes4 votersTag;
        uint32 counts;
        uint40 decidedAt;
        bytes8 root;
        uint32 leafCount;
    }

    /// @dev Slot B: written once, at acceptance.
    struct Totals {
        uint64 totalLoadWh;
        uint64 totalGenerationWh;
        uint64 psa;
    }

    /// @inheritdoc IBatchLedger
    IClusterRegistry public immutable registry;

    mapping(uint256 key => Tally) private _tallies;
    mapping(uint256 key => Totals) private _totals;
    mapping(uint256 key => bytes32[MAX_VOTERS]) private _candidates;
    mapping(address node => uint32) private _faults;

    /// @param registry_ The ClusterRegistry holding topology, meters and the clock.
    constructor(IClusterRegistry registry_) {
        if (address(registry_) == address(0)) revert ZeroAddress();
        assert(MAX_VOTERS == GridConstants.MAX_NEIGHBOURS + 1);
        registry = registry_;
    }

    // ------------------------------------------------------------- voting

    /// @inheritdoc IBatchLedger
    /// @dev Refused when the caller is not the cluster's parent, the period is not the previous one, the parent
    /// already proposed, or the batch is decided.
    function propose(BatchHeader calldata header) external {
        _submit(header, Role.Parent, registry.currentPeriod());
    }

    /// @inheritdoc IBatchLedger
    /// @dev The full header is in calldata so that, if this digest wins, root and totals are stored without
    /// storing any header before the decision. Refused for non-neighbours, double votes and closed windows.
    function vote(BatchHeader calldata header) external {
        _submit(header, Role.Neighbour, registry.currentPeriod());
    }

    /// @inheritdoc IBatchLedger
    /// @dev Each header is a proposal where the sender is the cluster's parent and a vote where it is an
    /// assigned neighbour; any refusal reverts the whole call.
    function submitMany(BatchHeader[] calldata headers) external {
        if (headers.length == 0) revert NoHeaders();
        uint32 current = registry.currentPeriod();
        for (uint256 i = 0; i < headers.length; i++) {
            _submit(headers[i], Role.Either, current);
        }
    }

    /// @inheritdoc IBatchLedger
    /// @dev Anyone may call. Refused for decided batches and while a majority is still possible in the window.
    function finalize(uint32 clusterId, uint32 period) external {
        uint256 key = _key(clusterId, period);
        Tally memory t = _tallies[key];
        if (t.status == BatchStatus.Accepted || t.status == BatchStatus.Disputed) {
            revert BatchAlreadyDecided(clusterId, period, t.status);
        }
        if (t.status == BatchStatus.None && registry.parentOf(clusterId) == address(0)) {
            revert UnknownCluster(clusterId);
        }
        uint32 current = registry.currentPeriod();
        bool windowClosed = uint256(current) > uint256(period) + VOTING_WINDOW_PERIODS;
        if (!windowClosed && (t.status == BatchStatus.None || !_deadlocked(t))) {
            revert VotingStillOpen(clusterId, period, current);
        }
        t.status = BatchStatus.Disputed;
        // Time by design: decision timestamp, recorded only.
        // solhint-disable-next-line not-rely-on-time
        t.decidedAt = uint40(block.timestamp);
        _tallies[key] = t;
        emit BatchDisputed(clusterId, period);
    }

    // -------------------------------------------------------------- views

    /// @inheritdoc IBatchLedger
    function batchOf(uint32 clusterId, uint32 period) public view returns (Batch memory b) {
        uint256 key = _key(clusterId, period);
        Tally storage t = _tallies[key];
        Totals storage s = _totals[key];
        b = Batch({
            status: t.status,
            root: t.root,
            leafCount: t.leafCount,
            totalLoadWh: s.totalLoadWh,
            totalGenerationWh: s.totalGenerationWh,
            psa: s.psa,
            decidedAt: t.decidedAt,
            parentOverruled: t.parentOverruled
        });
    }

    /// @inheritdoc IBatchLedger
    function isAccepted(uint32 clusterId, uint32 period) external view returns (bool) {
        return _tallies[_key(clusterId, period)].status == BatchStatus.Accepted;
    }

    /// @inheritdoc IBatchLedger
    function faults(address node) external view returns (uint32) {
        return _faults[node];
    }

    /// @inheritdoc IBatchLedger
    function votesOf(uint32 clusterId, uint32 period) external view returns (VoteTally memory v) {
        uint256 key = _key(clusterId, period);
        Tally memory t = _tallies[key];
        v.status = t.status;
        v.voterCount = t.voterCount;
        v.votedMask = t.votedMask;
        v.winner = t.winner;
        v.parentOverruled = t.parentOverruled;
        uint256 n = _candidateCount(t);
        v.candidates = new bytes32[](n);
        v.counts = new uint8[](n);
        for (uint256 k = 0; k < n; k++) {
            v.candidates[k] = _candidates[key][k];
            v.counts[k] = uint8(_countOf(t, k));
        }
        v.choiceOf = new uint8[](t.voterCount);
        for (uint256 s = 0; s < t.voterCount; s++) v.choiceOf[s] = uint8(_choiceOf(t, s));
    }

    /// @notice The digest of a batch header: `keccak256(abi.encode(six fields))`. Twin of lib/batches/batch.ts.
    function digestOf(BatchHeader calldata header) external pure returns (bytes32) {
        return keccak256(abi.encode(header));
    }

    /// @notice Votes a digest needs among `voterCount` voters: a strict majority (2 of 2, 2 of 3, 3 of 4).
    function majority(uint256 voterCount) public pure returns (uint256) {
        return voterCount / 2 + 1;
    }

    /// @inheritdoc IBatchLedger
    /// @dev Checks, in order: the meter is known; its batch (the meter's cluster, the reading's period) is
    /// accepted; the registry allows the meter's reading for that period (readings of a tampered, replaced or
    /// removed meter stop counting from the alarm's period on); the EIP-712 signature recovers to the meter
    /// (OpenZeppelin ECDSA refuses malformed and high-s signatures); the energy balance holds; the reading keeps
    /// SPEC 4's value rules for its meter's kind (ReadingLib.violation); the 64-bit Merkle proof leads from the
    /// reading's leaf to the accepted root. Each failure has its own error.
    function requireProvenReading(
        ReadingProof calldata p
    ) external view returns (uint32 clusterId, Batch memory batch) {
        ReadingLib.Reading calldata r = p.reading;
        IClusterRegistry reg = registry;
        IClusterRegistry.MeterInfo memory info = reg.meterInfo(r.meter);
        clusterId = info.clusterId;
        if (clusterId == 0) revert UnknownMeter(r.meter);
        batch = batchOf(clusterId, r.period);
        if (batch.status != BatchStatus.Accepted) revert BatchNotAccepted(clusterId, r.period, batch.status);
        if (!reg.isReadingAllowed(r.meter, clusterId, r.period)) {
            revert ReadingNotAllowed(r.meter, clusterId, r.period);
        }
        address signer = ECDSA.recover(reg.hashTypedData(ReadingLib.hashStruct(r)), p.signature);
        if (signer != r.meter) revert InvalidReadingSignature(r.meter, signer);
        ReadingLib.Rule broken = ReadingLib.violation(r, info.kind == IClusterRegistry.MeterKind.Consumer);
        if (broken == ReadingLib.Rule.Unbalanced) revert UnbalancedReading(r.meter, r.period);
        if (broken != ReadingLib.Rule.None) revert ImplausibleReading(r.meter, r.period, broken);
        bytes8 leaf = ReadingLib.leaf(r, p.signature);
        if (!Merkle64.verify(p.proof, batch.root, batch.leafCount, p.index, leaf)) {
            revert InvalidMerkleProof(clusterId, r.period, p.index);
        }
    }

    /// @inheritdoc IBatchLedger
    /// @dev Checks, in order: the meter is known; its batch for the period is accepted; every neighbour is a
    /// reading of that period whose leaf the 64-bit Merkle proof leads to the accepted root; the neighbours'
    /// positions and meter addresses bracket the meter's address (Merkle64.provesAbsence). Each failure has its
    /// own error.
    function requireUnreadPeriod(
        AbsenceProof calldata a
    ) external view returns (uint32 clusterId, Batch memory batch) {
        clusterId = registry.meterInfo(a.meter).clusterId;
        if (clusterId == 0) revert UnknownMeter(a.meter);
        batch = batchOf(clusterId, a.period);
        if (batch.status != BatchStatus.Accepted) revert BatchNotAccepted(clusterId, a.period, batch.status);
        Merkle64.Neighbour[] memory around = new Merkle64.Neighbour[](a.around.length);
        for (uint256 i; i < a.around.length; ++i) {
            ReadingProof calldata p = a.around[i];
            if (p.reading.period != a.period) revert NeighbourOfOtherPeriod(a.period, p.reading.period);
            bytes8 leaf = ReadingLib.leaf(p.reading, p.signature);
            if (!Merkle64.verify(p.proof, batch.root, batch.leafCount, p.index, leaf)) {
                revert InvalidMerkleProof(clusterId, a.period, p.index);
            }
            around[i] = Merkle64.Neighbour(p.index, uint160(p.reading.meter));
        }
        if (!Merkle64.provesAbsence(batch.leafCount, uint160(a.meter), around)) {
            revert NotAbsent(a.meter, clusterId, a.period);
        }
    }

    // ----------------------------------------------------------- internal

    function _submit(BatchHeader calldata h, Role role, uint32 current) private {
        uint32 clusterId = h.clusterId;
        uint32 period = h.period;
        if (period >= current) revert FuturePeriod(clusterId, period, current);
        if (current - period > VOTING_WINDOW_PERIODS) revert VotingClosed(clusterId, period, current);

        address[] memory voters = registry.votersOf(clusterId);
        uint256 slot = _slotOf(voters, msg.sender);
        if (role == Role.Parent) {
            if (slot != PARENT_SLOT) revert NotParent(clusterId, msg.sender, voters[PARENT_SLOT]);
        } else if (role == Role.Neighbour) {
            if (slot == NO_SLOT || slot == PARENT_SLOT) revert NotAssignedNeighbour(clusterId, msg.sender);
        } else if (slot == NO_SLOT) {
            revert NotAssignedVoter(clusterId, msg.sender);
        }

        uint256 key = _key(clusterId, period);
        Tally memory t = _tallies[key];
        if (t.status == BatchStatus.None) {
            t.status = BatchStatus.Pending;
            t.voterCount = uint8(voters.length);
            t.votersTag = _votersTag(voters);
        } else if (
            t.status == BatchStatus.Disputed || (slot == PARENT_SLOT && t.status == BatchStatus.Accepted)
        ) {
            revert BatchAlreadyDecided(clusterId, period, t.status);
        }
        if (slot >= t.voterCount)
            revert VoterAfterSnapshot(clusterId, period, msg.sender, slot, t.voterCount);
        if (t.votedMask & (1 << slot) != 0) {
            if (slot == PARENT_SLOT) revert AlreadyProposed(clusterId, period, msg.sender);
            revert AlreadyVoted(clusterId, period, msg.sender);
        }

        bytes32 digest = keccak256(abi.encode(h));
        uint256 k = _candidateIndex(key, t, digest);
        t.votedMask |= uint8(1 << slot);
        t.choices |= uint8(k << (slot * CHOICE_BITS));
        t.counts += uint32(1 << (k * COUNT_BITS));
        if (slot == PARENT_SLOT) emit BatchProposed(clusterId, period, msg.sender, digest);
        else emit VoteCast(clusterId, period, msg.sender, digest);

        if (t.status == BatchStatus.Pending) {
            if (_countOf(t, k) >= majority(t.voterCount)) _accept(key, t, h, k, digest, voters);
        } else if (k != t.winner) {
            // A late neighbour vote after acceptance, for another digest.
            _fault(msg.sender, clusterId, period);
        }
        _tallies[key] = t;
    }

    /// @dev Index of `digest` among the batch's candidates, appending it when new. At most one new candidate
    /// per voter slot, so the index stays below MAX_VOTERS.
    function _candidateIndex(uint256 key, Tally memory t, bytes32 digest) private returns (uint256 k) {
        bytes32[MAX_VOTERS] storage cands = _candidates[key];
        uint256 n = _candidateCount(t);
        while (k < n && cands[k] != digest) k++;
        if (k == n) cands[k] = digest;
    }

    function _accept(
        uint256 key,
        Tally memory t,
        BatchHeader calldata h,
        uint256 k,
        bytes32 digest,
        address[] memory voters
    ) private {
        t.status = BatchStatus.Accepted;
        t.winner = uint8(k);
        // Time by design: decision timestamp, recorded only.
        // solhint-disable-next-line not-rely-on-time
        t.decidedAt = uint40(block.timestamp);
        t.root = h.root;
        t.leafCount = h.leafCount;
        t.parentOverruled = _hasVoted(t, PARENT_SLOT) && _choiceOf(t, PARENT_SLOT) != k;
        _totals[key] = Totals({
            totalLoadWh: h.totalLoadWh,
            totalGenerationWh: h.totalGenerationWh,
            psa: uint64(MesMath.psa(h.totalLoadWh, h.totalGenerationWh))
        });
        // At most MAX_VOTERS iterations: independent of the number of meters. Slots map to the same nodes as
        // when the votes were cast only if the voter list is unchanged.
        if (_votersTag(voters) == t.votersTag) {
            for (uint256 s = 0; s < t.voterCount; s++) {
                if (_hasVoted(t, s) && _choiceOf(t, s) != k) _fault(voters[s], h.clusterId, h.period);
            }
        }
        emit BatchAccepted(h.clusterId, h.period, digest, t.parentOverruled);
    }

    function _fault(address node, uint32 clusterId, uint32 period) private {
        _faults[node] += 1;
        emit FaultRecorded(node, clusterId, period);
    }

    /// @dev True when no digest can still reach a majority with the voters that have not voted yet.
    function _deadlocked(Tally memory t) private pure returns (bool) {
        uint256 voted = 0;
        uint256 best = 0;
        for (uint256 s = 0; s < t.voterCount; s++) if (_hasVoted(t, s)) voted++;
        for (uint256 k = 0; k < MAX_VOTERS; k++) {
            uint256 c = _countOf(t, k);
            if (c > best) best = c;
        }
        return best + (t.voterCount - voted) < majority(t.voterCount);
    }

    function _votersTag(address[] memory voters) private pure returns (bytes4) {
        return bytes4(keccak256(abi.encode(voters)));
    }

    function _slotOf(address[] memory voters, address who) private pure returns (uint256) {
        for (uint256 i = 0; i < voters.length; i++) if (voters[i] == who) return i;
        return NO_SLOT;
    }

    function _hasVoted(Tally memory t, uint256 slot) private pure returns (bool) {
        return t.votedMask & (1 << slot) != 0;
    }

    function _choiceOf(Tally memory t, uint256 slot) private pure returns (uint256) {
        return (uint256(t.choices) >> (slot * CHOICE_BITS)) & CHOICE_MASK;
    }

    /// @dev Candidates are appended in order and each holds at least one vote: count the non-zero counters.
    function _candidateCount(Tally memory t) private pure returns (uint256 n) {
        while (n < MAX_VOTERS && _countOf(t, n) != 0) n++;
    }

    function _countOf(Tally memory t, uint256 k) private pure returns (uint256) {
        return (uint256(t.counts) >> (k * COUNT_BITS)) & COUNT_MASK;
    }

    function _key(uint32 clusterId, uint32 period) private pure returns (uint256) {
        return (uint256(clusterId) << 32) | period;
    }
}
