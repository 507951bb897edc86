// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IBatchLedger} from "./interfaces/IBatchLedger.sol";
import {IClusterRegistry} from "./interfaces/IClusterRegistry.sol";
import {IVoterSetSink} from "./interfaces/IVoterSetSink.sol";
import {CalldataWords} from "./libraries/CalldataWords.sol";
import {GridConstants} from "./libraries/GridConstants.sol";
import {Merkle64} from "./libraries/Merkle64.sol";
import {MesMath} from "./libraries/MesMath.sol";
import {ReadingLib} from "./libraries/ReadingLib.sol";

/// @title BatchLedger
/// @notice Double authentication of 64-bit Merkle batches (SPEC 5, 6) by signed attestations. Each voter of a
/// cluster (its parent and assigned neighbours) builds the header `(clusterId, period, root, leafCount,
/// totalLoadWh, totalGenerationWh)` from its own copy of the readings and signs the EIP-712
/// `Attestation(clusterId, period, digest)` of this ledger's domain, `digest = keccak256(abi.encode(header))`.
/// Anyone holding attestations submits them, many cluster-periods per transaction; a digest attested by a
/// strict majority of the voters, and by at least 2, is accepted and its root and totals are stored.
///
/// Rules (SPEC 6, and where it is silent, chosen here):
/// - Window: the batch of period `p` takes attestations only while the current period is `p + 1` (earlier is
///   {FuturePeriod}, later {VotingClosed}). The period comes from this ledger's own copy of the epoch.
/// - Voters: the registry pushes each cluster's voter set ({setVoters}); each push is a new version. A batch
///   counts against the version current at its first recorded attestation, whatever the registry does after.
///   Slot 0 is the parent, slots 1.. the neighbours in assignment order.
/// - One count per node per batch: a slot's first attestation on record is its vote; any later one (another
///   submission, a direct one, another digest) is skipped. Within one submission an attestation slot may
///   appear once per item and a cluster-period once.
/// - Acceptance: `votesNeeded(n) = max(2, n / 2 + 1)`: 2 of 2, 2 of 3, 3 of 4; a cluster without neighbours
///   never accepts. Attestations for other digests ride along: recorded, and charged a fault once a digest is
///   accepted. After acceptance, attestations still arrive until the window closes: one for the accepted
///   digest is recorded, one for another digest is recorded and charged.
/// - A cluster-period is decided once: Accepted, or Disputed by {finalize} once its window closed without a
///   majority (nothing of it counts, no losing-digest fault since no digest won).
/// - Missed votes: after the window, anyone may {recordMissedVotes} of a decided batch: each voter of its set
///   without an attestation on record is charged, once.
/// - Faults land on the recovered signer (or the absent voter of the batch's set), never on a node that the
///   utility assigned later.
///
/// Submission encoding (`submit(bytes)`): items back to back, ascending by (clusterId, period). One item:
///   header      36 bytes  clusterId u32 | period u32 | root bytes8 | leafCount u32 | totalLoadWh u64 |
///                         totalGenerationWh u64 (big-endian, no padding)
///   count        1 byte   number of attestations that follow (>= 1)
///   attestation           tag u8 (bits 0-1: voter slot; bit 7: carries its own digest) | [digest 32 bytes
///                         when bit 7 is set, else the header's digest] | signature r || s || v (65 bytes)
///   absent       20 bytes per slot of the batch's voter set without an attestation in this item, ascending
/// The ledger checks the slot-ordered list (recovered signers + absent voters) against the hash of the voter
/// set it holds: one storage read instead of one per voter.
///
/// Storage: one word per cluster-period (`_batches`, layout below) holds status, masks, voter-set version,
/// root, leaf count and totals. A batch left pending across submissions (voters submitting their own
/// attestations one by one) also keeps one word per attested digest (`_pendingSlots`). PSA is derived from
/// the stored totals at read time.
/// - Ring of periods (chosen here): each cluster's words form a ring of RING_PERIODS (1,024) periods, about
///   24 weeks: more than the 13-week retention window within which SPEC 3 keeps raw readings and SPEC 8
///   accepts proofs, with room to settle bills. Period p + 1,024 reuses period p's word, which turns the
///   accepted batch's write from a fresh slot (22,100 gas) into a rewrite (5,000) once a cluster's first
///   ring is filled. A period older than the ring is {BatchExpired} on chain; its BatchAccepted event stays in
///   the log for good. Each word carries its period's lap (`period / RING_PERIODS`, 12 bits) in the top bits
///   of the load total, so a word left from an earlier lap reads as nothing for the new one.
/// - Totals: a valid reading carries at most MAX_METER_POWER_W x 4 h = 10^6 Wh < 2^20 per total and a batch
///   at most 2^32 readings, so a header's totals below 2^52 Wh are all a real batch can carry; larger ones
///   are {TotalsOutOfRange}.
contract BatchLedger is IBatchLedger, EIP712 {
    using CalldataWords for bytes;

    /// @notice EIP-712 type of a voter's attestation.
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(uint32 clusterId,uint32 period,bytes32 digest)"
    );
    /// @notice EIP-712 domain name and version (the verifying contract is this ledger).
    string public constant EIP712_NAME = "GridShare Ledger";
    string public constant EIP712_VERSION = "1";
    /// @notice Most cluster-periods one submission may carry (about 50k gas each: a few million per call).
    uint256 public constant MAX_ITEMS = 64;
    /// @notice A digest needs at least this many votes: a single voter never accepts (SPEC 6).
    uint256 public constant MIN_VOTES = 2;

    /// @dev Parent + at most GridConstants.MAX_NEIGHBOURS (3) neighbours, SPEC 2: a 2-bit slot, a 4-bit mask.
    uint256 private constant MAX_VOTERS = 4;
    uint256 private constant ALL_SLOTS = 0xf; // (1 << MAX_VOTERS) - 1
    uint256 private constant PARENT_SLOT = 0;
    /// @dev The batch of period p is voted while the current period is p + 1.
    uint256 private constant VOTING_WINDOW_PERIODS = 1;
    /// @notice Periods each cluster's ring of batch words holds (see Storage above): a power of two.
    uint256 public constant RING_PERIODS = 1_024;
    uint256 private constant RING_BITS = 10;
    uint256 private constant RING_INDEX_MASK = 0x3ff; // RING_PERIODS - 1

    // Packed submission.
    uint256 private constant HEADER_BYTES = 36;
    /// @dev Right shifts that bring a field at the start of a calldata word down to its type.
    uint256 private constant CLUSTER_SHIFT = 224;
    uint256 private constant PERIOD_SHIFT = 192;
    uint256 private constant BYTE_SHIFT = 248;
    uint256 private constant ADDRESS_SHIFT = 96;
    uint256 private constant ITEM_FIXED_BYTES = 37; // HEADER_BYTES + the count byte
    uint256 private constant TAG_BYTES = 1;
    uint256 private constant DIGEST_BYTES = 32;
    uint256 private constant SIGNATURE_BYTES = 65;
    uint256 private constant ADDRESS_BYTES = 20;
    uint256 private constant WORD_BYTES = 32;
    uint8 private constant TAG_SLOT_MASK = 0x03;
    uint8 private constant TAG_OWN_DIGEST = 0x80;

    // Batch word, bit offsets. The header's 28 bytes after (clusterId, period) fill bits 32..255 as they stand
    // in the submission: root 192..255, leafCount 160..191, totalLoadWh 96..159, totalGenerationWh 32..95.
    uint256 private constant STATUS_MASK = 0x3;
    uint256 private constant VOTED_SHIFT = 2;
    uint256 private constant AGREED_SHIFT = 6;
    uint256 private constant MISSED_RECORDED = 1 << 10;
    uint256 private constant VERSION_SHIFT = 11;
    uint256 private constant VERSION_MASK = (1 << 21) - 1;
    uint256 private constant HEADER_MASK = ~uint256(type(uint32).max);
    uint256 private constant ROOT_SHIFT = 192;
    uint256 private constant LEAF_COUNT_SHIFT = 160;
    uint256 private constant LOAD_SHIFT = 96;
    uint256 private constant GENERATION_SHIFT = 32;
    /// @dev A header total fits TOTAL_BITS; the load total's 12 bits above it hold the word's lap.
    uint256 private constant TOTAL_BITS = 52;
    uint256 private constant TOTAL_MASK = 0xfffffffffffff; // (1 << TOTAL_BITS) - 1
    uint256 private constant LAP_SHIFT = 148; // LOAD_SHIFT + TOTAL_BITS
    uint256 private constant LAP_MASK = 0xfff; // (1 << (64 - TOTAL_BITS)) - 1
    /// @dev The lap's bits in a word; with the generation total's spare bits, what a header must leave zero.
    uint256 private constant LAP_BITS = 0xfff << 148; // LAP_MASK << LAP_SHIFT
    uint256 private constant TOTALS_SPARE_BITS = (0xfff << 148) | (0xfff << 84); // + GENERATION_SHIFT + TOTAL_BITS

    // Voter-set head, one word per cluster: version (bits 0..31), voter count (32..39), hash (40..255).
    uint256 private constant HEAD_COUNT_SHIFT = 32;
    uint256 private constant HEAD_HASH_SHIFT = 40;
    uint256 private constant BYTE_MASK = 0xff;
    /// @dev Nibble m (from the least significant) is the number of set bits of m, for m = 0..15.
    uint256 private constant POPCOUNT_NIBBLES = 0x4332322132212110;

    /// @dev What one item of a submission amounts to while it is checked and counted.
    struct Item {
        uint32 clusterId;
        uint32 period;
        /// Where the batch word lives (cluster, period within the ring).
        uint256 key;
        /// The period's lap, at its offset in the batch word.
        uint256 lapBits;
        /// The batch word as stored before this item (zero when it holds an earlier lap).
        uint256 word;
        uint256 version;
        uint256 voterCount;
        /// Top 216 bits of keccak256 of the batch's voter set (slot order, 32 bytes per address).
        uint256 setHash;
        /// Digest of the item's header.
        bytes32 digest;
        /// Slots whose attestation in this item is for `digest`.
        uint256 forSlots;
        /// Slots with an attestation in this item.
        uint256 seenSlots;
        /// Slot-ordered voters: recovered signers and the absent voters given; zero beyond `voterCount`.
        address[MAX_VOTERS] voters;
        /// Digest of each slot whose attestation is for another digest.
        bytes32[MAX_VOTERS] otherDigest;
    }

    /// @inheritdoc IBatchLedger
    IClusterRegistry public immutable registry;
    /// @notice Start of period 0, copied from the registry at deployment (the vote path reads no other contract).
    uint64 public immutable epoch;

    mapping(uint256 ringKey => uint256 word) private _batches;
    mapping(uint256 key => mapping(bytes32 digest => uint256 slots)) private _pendingSlots;
    mapping(uint32 clusterId => uint256 head) private _voterHeads;
    mapping(uint32 clusterId => mapping(uint256 version => address[] voters)) private _voterSets;
    mapping(address node => uint32) private _faults;

    /// @param registry_ The ClusterRegistry holding topology, meters and the clock; it must then be wired to
    /// this ledger (`ClusterRegistry.setLedger`) so that it pushes voter sets here.
    constructor(IClusterRegistry registry_) EIP712(EIP712_NAME, EIP712_VERSION) {
        if (address(registry_) == address(0)) revert ZeroAddress();
        assert(MAX_VOTERS == GridConstants.MAX_NEIGHBOURS + 1);
        assert(RING_PERIODS > GridConstants.RETENTION_PERIODS + GridConstants.PERIODS_PER_WEEK);
        // Constants written as literals (a derived one is computed, with overflow checks, at every use).
        assert(ALL_SLOTS == (1 << MAX_VOTERS) - 1 && ITEM_FIXED_BYTES == HEADER_BYTES + 1);
        assert(RING_PERIODS == 1 << RING_BITS && RING_INDEX_MASK == RING_PERIODS - 1);
        assert(TOTAL_MASK == (1 << TOTAL_BITS) - 1 && LAP_SHIFT == LOAD_SHIFT + TOTAL_BITS);
        assert(LAP_MASK == (1 << (64 - TOTAL_BITS)) - 1 && LAP_BITS == LAP_MASK << LAP_SHIFT);
        assert(TOTALS_SPARE_BITS == LAP_BITS | (LAP_MASK << (GENERATION_SHIFT + TOTAL_BITS)));
        registry = registry_;
        epoch = registry_.epoch();
    }

    // ---------------------------------------------------------- voter sets

    /// @inheritdoc IVoterSetSink
    /// @dev Registry only. Batches already started keep the version they started with.
    function setVoters(uint32 clusterId, address[] calldata voters) external {
        if (msg.sender != address(registry)) revert NotRegistry(msg.sender);
        uint256 n = voters.length;
        if (n == 0 || n > MAX_VOTERS) revert InvalidVoterSet(clusterId, n);
        uint256 version = (_voterHeads[clusterId] & VERSION_MASK) + 1;
        if (version > VERSION_MASK) revert VoterSetVersionsExhausted(clusterId, VERSION_MASK);
        _voterSets[clusterId][version] = voters;
        _voterHeads[clusterId] =
            version |
            (n << HEAD_COUNT_SHIFT) |
            (_hashVoters(_padded(voters)) << HEAD_HASH_SHIFT);
        emit VoterSetUpdated(clusterId, uint32(version), voters);
    }

    // -------------------------------------------------------------- voting

    /// @inheritdoc IBatchLedger
    /// @dev Any refusal reverts the whole submission. Attestations already on record (sent by someone else
    /// first) are skipped, not refused, so that racing submitters do not void each other.
    function submit(bytes calldata items) external {
        if (items.length == 0) revert EmptySubmission();
        uint32 current = currentPeriod();
        uint256 o = 0;
        uint256 lastKey = 0;
        // One scratch record for all items: no memory growth per item.
        Item memory it;
        for (uint256 i = 0; o < items.length; i++) {
            if (i == MAX_ITEMS) revert TooManyItems(MAX_ITEMS);
            uint256 key;
            (o, key) = _submitItem(items, o, current, it);
            if (i > 0 && key <= lastKey) revert ItemsOutOfOrder(uint32(key >> 32), uint32(key));
            lastKey = key;
        }
    }

    /// @inheritdoc IBatchLedger
    /// @dev Anyone may call once the window closed. A cluster-period nobody attested is Disputed too; it counts
    /// against the voter set current now.
    function finalize(uint32 clusterId, uint32 period) external {
        uint256 key = _ringKey(clusterId, period);
        uint256 word = _wordOf(clusterId, period);
        BatchStatus status = BatchStatus(word & STATUS_MASK);
        if (status == BatchStatus.Accepted || status == BatchStatus.Disputed) {
            revert BatchAlreadyDecided(clusterId, period, status);
        }
        _requireWindowClosed(clusterId, period);
        if (status == BatchStatus.None)
            word = (_currentVersion(clusterId) << VERSION_SHIFT) | _lapBits(period);
        _batches[key] = (word & ~STATUS_MASK) | uint256(BatchStatus.Disputed);
        emit BatchDisputed(clusterId, period);
    }

    /// @inheritdoc IBatchLedger
    function recordMissedVotes(uint32 clusterId, uint32 period) external {
        uint256 key = _ringKey(clusterId, period);
        uint256 word = _wordOf(clusterId, period);
        BatchStatus status = BatchStatus(word & STATUS_MASK);
        if (status != BatchStatus.Accepted && status != BatchStatus.Disputed) {
            revert BatchNotDecided(clusterId, period, status);
        }
        _requireWindowClosed(clusterId, period);
        if (word & MISSED_RECORDED != 0) revert MissedVotesAlreadyRecorded(clusterId, period);
        _batches[key] = word | MISSED_RECORDED;
        address[] storage voters = _voterSets[clusterId][(word >> VERSION_SHIFT) & VERSION_MASK];
        uint256 missed = ((1 << voters.length) - 1) & ~((word >> VOTED_SHIFT) & ALL_SLOTS);
        emit MissedVotesRecorded(clusterId, period, uint8(missed));
        for (uint256 s = 0; s < voters.length; s++) {
            if (missed & (1 << s) != 0) _fault(voters[s], clusterId, period, FaultKind.MissedVote);
        }
    }

    // --------------------------------------------------------------- views

    /// @inheritdoc IBatchLedger
    /// @dev Reverts {BatchExpired} for a period older than the ring.
    function batchOf(uint32 clusterId, uint32 period) public view returns (Batch memory b) {
        uint256 word = _wordOf(clusterId, period);
        b.status = BatchStatus(word & STATUS_MASK);
        if (b.status != BatchStatus.Accepted) return b;
        b.root = bytes8(uint64(word >> ROOT_SHIFT));
        b.leafCount = uint32(word >> LEAF_COUNT_SHIFT);
        b.totalLoadWh = uint64((word >> LOAD_SHIFT) & TOTAL_MASK);
        b.totalGenerationWh = uint64((word >> GENERATION_SHIFT) & TOTAL_MASK);
        b.psa = uint64(MesMath.psa(b.totalLoadWh, b.totalGenerationWh));
        uint256 parent = 1 << PARENT_SLOT;
        b.parentOverruled = ((word >> VOTED_SHIFT) & parent) != 0 && ((word >> AGREED_SHIFT) & parent) == 0;
    }

    /// @inheritdoc IBatchLedger
    /// @dev Reverts {BatchExpired} for a period older than the ring.
    function isAccepted(uint32 clusterId, uint32 period) external view returns (bool) {
        return BatchStatus(_wordOf(clusterId, period) & STATUS_MASK) == BatchStatus.Accepted;
    }

    /// @inheritdoc IBatchLedger
    function faults(address node) external view returns (uint32) {
        return _faults[node];
    }

    /// @inheritdoc IBatchLedger
    /// @dev Reverts {BatchExpired} for a period older than the ring.
    function votesOf(uint32 clusterId, uint32 period) external view returns (VoteTally memory v) {
        uint256 word = _wordOf(clusterId, period);
        v.status = BatchStatus(word & STATUS_MASK);
        uint256 version =
            v.status == BatchStatus.None
                ? _voterHeads[clusterId] & VERSION_MASK
                : (word >> VERSION_SHIFT) & VERSION_MASK;
        v.voterSetVersion = uint32(version);
        v.voters = _voterSets[clusterId][version];
        v.votedMask = uint8((word >> VOTED_SHIFT) & ALL_SLOTS);
        v.agreedMask = uint8((word >> AGREED_SHIFT) & ALL_SLOTS);
        if (v.status == BatchStatus.Accepted) v.digest = _headerDigest(clusterId, period, word);
        v.missedVotesRecorded = word & MISSED_RECORDED != 0;
    }

    /// @notice Slots whose attestation for `digest` is on record while the batch is still pending.
    function pendingSlots(uint32 clusterId, uint32 period, bytes32 digest) external view returns (uint8) {
        return uint8(_pendingSlots[_key(clusterId, period)][digest]);
    }

    /// @notice A cluster's current voter set (parent first) and its version; version 0 for an unknown cluster.
    function votersOf(uint32 clusterId) external view returns (uint32 version, address[] memory voters) {
        version = uint32(_voterHeads[clusterId] & VERSION_MASK);
        voters = _voterSets[clusterId][version];
    }

    /// @notice The period that contains the current block's timestamp (0 before the epoch).
    function currentPeriod() public view returns (uint32) {
        // Time by design: the period clock is block time (SPEC 3).
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp < epoch) return 0;
        // solhint-disable-next-line not-rely-on-time
        return uint32((block.timestamp - epoch) / GridConstants.PERIOD_SECONDS);
    }

    /// @notice The digest of a batch header: `keccak256(abi.encode(six fields))`. Twin of lib/batches/batch.ts.
    function digestOf(BatchHeader calldata header) external pure returns (bytes32) {
        return keccak256(abi.encode(header));
    }

    /// @notice The EIP-712 hash a voter signs for `(clusterId, period, digest)` in this ledger's domain.
    function attestationHash(
        uint32 clusterId,
        uint32 period,
        bytes32 digest
    ) external view returns (bytes32) {
        return _attestationHash(clusterId, period, digest);
    }

    /// @notice Votes one digest needs among `voterCount` voters: a strict majority and at least MIN_VOTES
    /// (2 of 2, 2 of 3, 3 of 4; 2 of 1, i.e. never).
    function votesNeeded(uint256 voterCount) public pure returns (uint256) {
        uint256 strict = voterCount / 2 + 1;
        return strict < MIN_VOTES ? MIN_VOTES : strict;
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

    // ------------------------------------------------------------ internal

    /// @dev Checks and counts the item at offset `o`; returns the offset after it and the item's batch key.
    function _submitItem(
        bytes calldata d,
        uint256 o,
        uint32 current,
        Item memory it
    ) private returns (uint256 next, uint256 key) {
        // Offsets stay below the calldata size and masks below 2^4: no overflow.
        unchecked {
            if (d.length < o + ITEM_FIXED_BYTES) revert MalformedSubmission(o);
            uint256 w = d.wordAt(o);
            it.clusterId = uint32(w >> CLUSTER_SHIFT);
            it.period = uint32(w >> PERIOD_SHIFT);
            // The 28 header bytes after (clusterId, period), left-aligned: already the batch word's layout.
            uint256 header = d.wordAt(o + 8) & HEADER_MASK;
            uint256 count = d.wordAt(o + HEADER_BYTES) >> BYTE_SHIFT;
            if (count == 0) revert NoAttestations(it.clusterId, it.period);
            if (header & TOTALS_SPARE_BITS != 0) revert TotalsOutOfRange(it.clusterId, it.period, TOTAL_BITS);
            _requireWindowOpen(it.clusterId, it.period, current);
            key = _key(it.clusterId, it.period);
            it.key = _ringKey(it.clusterId, it.period);
            it.lapBits = _lapBits(it.period);
            it.word = _current(_batches[it.key], it.lapBits);
            it.seenSlots = 0;
            it.forSlots = 0;
            delete it.voters;
            _loadVoterSet(it);
            it.digest = _headerDigest(it.clusterId, it.period, header);
            bytes32 signed = _attestationHash(it.clusterId, it.period, it.digest);
            next = o + ITEM_FIXED_BYTES;
            for (uint256 i = 0; i < count; i++) next = _readAttestation(d, next, it, signed);
            next = _readAbsentVoters(d, next, it);
            if (_hashVoters(it.voters) != it.setHash) _refuseVoters(it);
            if (BatchStatus(it.word & STATUS_MASK) == BatchStatus.Accepted) _countLate(it);
            else _count(it, header);
        }
    }

    /// @dev The voter set the batch counts against: fixed at its first vote, else the cluster's current one.
    function _loadVoterSet(Item memory it) private view {
        BatchStatus status = BatchStatus(it.word & STATUS_MASK);
        if (status == BatchStatus.Disputed) revert BatchAlreadyDecided(it.clusterId, it.period, status);
        uint256 head = _voterHeads[it.clusterId];
        uint256 headVersion = head & VERSION_MASK;
        it.version = status == BatchStatus.None ? headVersion : (it.word >> VERSION_SHIFT) & VERSION_MASK;
        if (it.version == 0) revert UnknownCluster(it.clusterId);
        if (it.version == headVersion) {
            it.voterCount = (head >> HEAD_COUNT_SHIFT) & BYTE_MASK;
            it.setHash = head >> HEAD_HASH_SHIFT;
        } else {
            // The registry changed the voters during this batch's window: the batch keeps its own set.
            address[] memory voters = _voterSets[it.clusterId][it.version];
            it.voterCount = voters.length;
            it.setHash = _hashVoters(_padded(voters));
        }
    }

    /// @dev Reads one attestation: tag, optional own digest, signature; recovers and places its signer.
    function _readAttestation(
        bytes calldata d,
        uint256 o,
        Item memory it,
        bytes32 signed
    ) private view returns (uint256) {
        // Offsets stay below the calldata size and masks below 2^4: no overflow.
        unchecked {
            if (d.length < o + TAG_BYTES + SIGNATURE_BYTES) revert MalformedSubmission(o);
            uint256 tag = d.wordAt(o) >> BYTE_SHIFT;
            if (tag & ~uint256(TAG_SLOT_MASK | TAG_OWN_DIGEST) != 0) revert MalformedSubmission(o);
            uint8 slot = uint8(tag & TAG_SLOT_MASK);
            uint256 bit = 1 << slot;
            if (slot >= it.voterCount) revert SlotOutOfRange(it.clusterId, it.period, slot, it.voterCount);
            if (it.seenSlots & bit != 0) revert DuplicateAttestation(it.clusterId, it.period, slot);
            it.seenSlots |= bit;
            o += TAG_BYTES;
            bytes32 digest = it.digest;
            if (tag & TAG_OWN_DIGEST != 0) {
                if (d.length < o + DIGEST_BYTES + SIGNATURE_BYTES) revert MalformedSubmission(o);
                digest = bytes32(d.wordAt(o));
                o += DIGEST_BYTES;
                if (digest != it.digest) signed = _attestationHash(it.clusterId, it.period, digest);
            }
            address signer = _recover(signed, d, o);
            if (signer == address(0)) revert InvalidAttestationSignature(it.clusterId, it.period, slot);
            it.voters[slot] = signer;
            if (digest == it.digest) it.forSlots |= bit;
            else it.otherDigest[slot] = digest;
            return o + SIGNATURE_BYTES;
        }
    }

    /// @dev OpenZeppelin ECDSA over the `r || s || v` at `o`: zero for a high-s or unrecoverable signature.
    function _recover(bytes32 hash, bytes calldata d, uint256 o) private pure returns (address signer) {
        // Offsets stay below the calldata size and masks below 2^4: no overflow.
        unchecked {
            ECDSA.RecoverError err;
            (signer, err, ) = ECDSA.tryRecover(
                hash,
                uint8(d.wordAt(o + 2 * WORD_BYTES) >> BYTE_SHIFT),
                bytes32(d.wordAt(o)),
                bytes32(d.wordAt(o + WORD_BYTES))
            );
            if (err != ECDSA.RecoverError.NoError) signer = address(0);
        }
    }

    /// @dev Reads the addresses of the voter slots this item has no attestation for, ascending.
    function _readAbsentVoters(bytes calldata d, uint256 o, Item memory it) private pure returns (uint256) {
        // Offsets stay below the calldata size and masks below 2^4: no overflow.
        unchecked {
            uint256 seen = it.seenSlots;
            if (seen == (1 << it.voterCount) - 1) return o; // every voter attested: nothing absent
            for (uint256 s = 0; s < it.voterCount; s++) {
                if (seen & (1 << s) != 0) continue;
                if (d.length < o + ADDRESS_BYTES) revert MalformedSubmission(o);
                it.voters[s] = address(uint160(d.wordAt(o) >> ADDRESS_SHIFT));
                o += ADDRESS_BYTES;
            }
            return o;
        }
    }

    /// @dev The slot-ordered list differs from the batch's voter set: name the first slot that is wrong.
    function _refuseVoters(Item memory it) private view {
        address[] storage expected = _voterSets[it.clusterId][it.version];
        for (uint256 s = 0; s < it.voterCount; s++) {
            address given = it.voters[s];
            if (given == expected[s]) continue;
            uint8 slot = uint8(s);
            if (it.seenSlots & (1 << s) == 0) {
                revert VoterMismatch(it.clusterId, it.period, slot, given, expected[s]);
            }
            for (uint256 t = 0; t < expected.length; t++) {
                if (expected[t] == given) revert WrongAttestationSlot(it.clusterId, it.period, slot, given);
            }
            revert UnassignedSigner(it.clusterId, it.period, slot, given, expected[s]);
        }
    }

    /// @dev Counts a pending (or new) batch's fresh attestations; accepts when the header's digest reaches
    /// the votes needed.
    function _count(Item memory it, uint256 header) private {
        uint256 voted = (it.word >> VOTED_SHIFT) & ALL_SLOTS;
        uint256 freshFor = it.forSlots & ~voted;
        uint256 freshOther = it.seenSlots & ~it.forSlots & ~voted;
        uint256 pendingKey = _key(it.clusterId, it.period);
        uint256 pendingFor =
            BatchStatus(it.word & STATUS_MASK) == BatchStatus.Pending
                ? _pendingSlots[pendingKey][it.digest]
                : 0;
        uint256 agreed = pendingFor | freshFor;
        voted |= freshFor | freshOther;
        if (_popcount(agreed) >= votesNeeded(it.voterCount)) {
            _batches[it.key] =
                (header & HEADER_MASK) |
                it.lapBits |
                (it.version << VERSION_SHIFT) |
                (agreed << AGREED_SHIFT) |
                (voted << VOTED_SHIFT) |
                uint256(BatchStatus.Accepted);
            if (pendingFor != 0) delete _pendingSlots[pendingKey][it.digest];
            emit BatchAccepted(it.clusterId, it.period, it.digest, uint8(voted), uint8(agreed));
            _chargeLosers(it, voted & ~agreed);
            return;
        }
        if (freshFor | freshOther == 0) return;
        _batches[it.key] =
            it.lapBits |
            (it.version << VERSION_SHIFT) |
            (voted << VOTED_SHIFT) |
            uint256(BatchStatus.Pending);
        if (freshFor != 0) {
            _pendingSlots[pendingKey][it.digest] = agreed;
            emit AttestationsRecorded(it.clusterId, it.period, it.digest, uint8(freshFor));
        }
        for (uint256 s = 0; s < it.voterCount; s++) {
            if (freshOther & (1 << s) == 0) continue;
            _pendingSlots[pendingKey][it.otherDigest[s]] |= 1 << s;
            emit AttestationsRecorded(it.clusterId, it.period, it.otherDigest[s], uint8(1 << s));
        }
    }

    /// @dev Counts attestations arriving after acceptance (within the window): recorded; another digest is a
    /// fault at once.
    function _countLate(Item memory it) private {
        uint256 voted = (it.word >> VOTED_SHIFT) & ALL_SLOTS;
        uint256 fresh = it.seenSlots & ~voted;
        if (fresh == 0) return;
        bytes32 winner = _headerDigest(it.clusterId, it.period, it.word);
        uint256 agreed = 0;
        for (uint256 s = 0; s < it.voterCount; s++) {
            uint256 bit = 1 << s;
            if (fresh & bit == 0) continue;
            bytes32 digest = it.forSlots & bit != 0 ? it.digest : it.otherDigest[s];
            if (digest == winner) agreed |= bit;
            emit AttestationsRecorded(it.clusterId, it.period, digest, uint8(bit));
        }
        _batches[it.key] = it.word | (fresh << VOTED_SHIFT) | (agreed << AGREED_SHIFT);
        _chargeLosers(it, fresh & ~agreed);
    }

    function _chargeLosers(Item memory it, uint256 slots) private {
        for (uint256 s = 0; slots >> s != 0; s++) {
            if (slots & (1 << s) != 0) _fault(it.voters[s], it.clusterId, it.period, FaultKind.LosingDigest);
        }
    }

    function _fault(address node, uint32 clusterId, uint32 period, FaultKind kind) private {
        _faults[node] += 1;
        emit FaultRecorded(node, clusterId, period, kind);
    }

    function _requireWindowOpen(uint32 clusterId, uint32 period, uint32 current) private pure {
        if (period >= current) revert FuturePeriod(clusterId, period, current);
        if (current - period > VOTING_WINDOW_PERIODS) revert VotingClosed(clusterId, period, current);
    }

    function _requireWindowClosed(uint32 clusterId, uint32 period) private view {
        uint32 current = currentPeriod();
        if (uint256(current) <= uint256(period) + VOTING_WINDOW_PERIODS) {
            revert VotingStillOpen(clusterId, period, current);
        }
    }

    function _currentVersion(uint32 clusterId) private view returns (uint256 version) {
        version = _voterHeads[clusterId] & VERSION_MASK;
        if (version == 0) revert UnknownCluster(clusterId);
    }

    /// @dev keccak256(abi.encode(header)) from (clusterId, period) and a word holding the rest at its offsets.
    function _headerDigest(uint32 clusterId, uint32 period, uint256 word) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    clusterId,
                    period,
                    bytes8(uint64(word >> ROOT_SHIFT)),
                    uint32(word >> LEAF_COUNT_SHIFT),
                    uint64((word >> LOAD_SHIFT) & TOTAL_MASK),
                    uint64((word >> GENERATION_SHIFT) & TOTAL_MASK)
                )
            );
    }

    function _attestationHash(
        uint32 clusterId,
        uint32 period,
        bytes32 digest
    ) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ATTESTATION_TYPEHASH, clusterId, period, digest)));
    }

    /// @dev Top 216 bits of keccak256(abi.encode(address[4])) over the slot-ordered voters, zero-padded.
    function _hashVoters(address[MAX_VOTERS] memory voters) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(voters))) >> HEAD_HASH_SHIFT;
    }

    function _padded(address[] memory voters) private pure returns (address[MAX_VOTERS] memory out) {
        for (uint256 s = 0; s < voters.length; s++) out[s] = voters[s];
    }

    /// @dev Set bits of a 4-bit slot mask, from a table of nibbles: popcount(m) is nibble m of the constant.
    function _popcount(uint256 mask) private pure returns (uint256) {
        return (POPCOUNT_NIBBLES >> (mask * 4)) & 0xf;
    }

    /// @dev A cluster-period as one number: ascending by (clusterId, period).
    function _key(uint32 clusterId, uint32 period) private pure returns (uint256) {
        return (uint256(clusterId) << 32) | period;
    }

    /// @dev Where a cluster-period's word lives: the cluster's ring, at the period's place in it.
    function _ringKey(uint32 clusterId, uint32 period) private pure returns (uint256) {
        return (uint256(clusterId) << RING_BITS) | (period & RING_INDEX_MASK);
    }

    /// @dev The period's lap (12 bits, wrapping every 4,096 laps, about 1,900 years) at its offset in a word.
    function _lapBits(uint32 period) private pure returns (uint256) {
        return ((uint256(period) >> RING_BITS) & LAP_MASK) << LAP_SHIFT;
    }

    /// @dev A stored word if it belongs to the lap `lapBits`, else zero (the word of an earlier lap).
    function _current(uint256 word, uint256 lapBits) private pure returns (uint256) {
        return word & LAP_BITS == lapBits ? word : 0;
    }

    /// @dev The word of a cluster-period within the ring; {BatchExpired} when the ring has moved past it.
    function _wordOf(uint32 clusterId, uint32 period) private view returns (uint256) {
        uint32 current = currentPeriod();
        if (current > period && current - period > RING_PERIODS)
            revert BatchExpired(clusterId, period, current);
        return _current(_batches[_ringKey(clusterId, period)], _lapBits(period));
    }
}
