// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "../Base.t.sol";
import {LedgerBase} from "../LedgerBase.t.sol";
import {IBatchLedger} from "../../../contracts/interfaces/IBatchLedger.sol";

/// @dev Drives the ledger with random sequences of SPEC 6 actions: aggregated submissions (with dissenting
/// attestations riding along), a voter's own direct submission, an outsider's refused attestation, neighbour
/// reassignments, the clock, finalizations and missed-vote records. It keeps a ghost record of what it sent,
/// built from its own knowledge only (who was assigned when, which attestation reached the chain first), which
/// the invariants compare with the ledger. Every call it expects to succeed must succeed (failOnRevert).
contract LedgerHandler is LedgerBase {
    /// @dev The clusters the handler acts on (the default grid); later nodes only stand as neighbours.
    uint256 public constant NODES = 5;
    /// @dev Nodes the grid may grow by (each parenting a new cluster somewhere near the others).
    uint256 internal constant MAX_EXTRA_NODES = 4;
    /// @dev New nodes land within this distance (m) of the origin on each axis.
    uint256 internal constant GROWTH_SPAN = 12_000;
    /// @dev Nodes registered so far.
    uint256 public nodeCount;
    uint256 internal constant OUTSIDER_KEY = 0xBAD;
    uint32 internal constant START_PERIOD = 10;
    uint256 internal constant DIGEST_CHOICES = 2;

    /// @dev The registry's voters per cluster as this handler assigned them (slot order).
    mapping(uint32 clusterId => address[]) internal _assigned;

    uint256[] internal _tracked;
    mapping(uint256 key => bool) internal _isTracked;
    /// @dev The batch's voter set: the assignment at its first recorded attestation (or at its finalization).
    mapping(uint256 key => address[]) internal _ghostVoters;
    mapping(uint256 key => bool) internal _hasGhostVoters;
    /// @dev The digest of each node's first attestation that reached the chain for the batch.
    mapping(uint256 key => mapping(address node => bytes32)) internal _firstDigest;
    mapping(uint256 key => bool) internal _missedRecorded;
    /// @dev The decision once first seen (None = undecided so far).
    mapping(uint256 key => IBatchLedger.BatchStatus) internal _decided;

    /// @dev Starts from the default grid of lab/fixtures/grid.ts (4, 2, 3, 1 and 4 voters), grown the way it
    /// grows there: clusters created one by one at its locations, each assigned as soon as its SPEC 2 ranking
    /// is the wanted list (the registry accepts nothing else).
    constructor() {
        _deployLedger(START_PERIOD);
        int64[2][NODES] memory at = [
            [int64(0), int64(0)],
            [int64(-1_000), int64(0)],
            [int64(-400), int64(4_000)],
            [int64(-5_000), int64(0)],
            [int64(10_000), int64(0)]
        ];
        uint8[3][NODES] memory wanted = [[2, 3, 4], [1, 0, 0], [1, 2, 0], [0, 0, 0], [1, 2, 3]];
        for (uint32 c = 1; c <= NODES; c++) _assigned[c].push(_node(c - 1));
        for (uint256 i = 0; i < NODES; i++) {
            _addCluster(i, at[i][0], at[i][1]);
            nodeCount++;
            for (uint32 c = 1; c <= i + 1; c++) {
                if (_assigned[c].length > 1 || wanted[c - 1][0] == 0) continue;
                address[] memory ranked = registry.rankNeighbours(c);
                bool match_ = true;
                uint256 n = 0;
                for (uint256 k = 0; k < 3 && wanted[c - 1][k] != 0; k++) {
                    if (n >= ranked.length || ranked[n] != _node(wanted[c - 1][k] - 1)) match_ = false;
                    n++;
                }
                if (!match_ || n != ranked.length) continue;
                registry.setNeighbours(c, ranked);
                for (uint256 k = 0; k < n; k++) _assigned[c].push(ranked[k]);
            }
        }
        for (uint32 c = 1; c <= NODES; c++) {
            if (wanted[c - 1][0] != 0 && _assigned[c].length == 1)
                revert AssertionFailed("default grid unranked");
        }
    }

    // ------------------------------------------------------------- actions

    /// @notice Some voters of one or two clusters attest (each one of two digests); one submission carries them.
    function attest(uint256 seed) external {
        seed = _spread(seed);
        uint32 current = _currentPeriod();
        uint32 p = current - 1;
        uint32 first = uint32(1 + (seed % NODES));
        uint32 second = uint32(1 + ((seed >> 8) % NODES));
        bool two = (seed >> 16) & 1 == 1 && second != first;
        (uint32 lo, uint32 hi) = first < second ? (first, second) : (second, first);
        bytes memory items;
        if (two) items = abi.encodePacked(_attestItem(lo, p, seed >> 20), _attestItem(hi, p, seed >> 40));
        else items = _attestItem(first, p, seed >> 20);
        if (items.length == 0) return;
        ledger.submit(items);
        _afterSubmit(two ? lo : first, p, seed >> 20);
        if (two) _afterSubmit(hi, p, seed >> 40);
        _observe();
    }

    /// @notice One voter submits its own attestation, itself.
    function direct(uint256 seed) external {
        seed = _spread(seed);
        (uint32 c, uint32 p, address[] memory voters) = _openBatch(seed);
        uint256 slot = (seed >> 8) % voters.length;
        uint256 choice = (seed >> 16) & 3 == 3 ? 1 : 0;
        Att[] memory atts = new Att[](1);
        atts[0] = Att({key: _keyOf(voters[slot]), digest: _digest(_header(c, p, choice))});
        vm.prank(voters[slot]);
        ledger.submit(_item(_header(c, p, choice), voters, atts));
        _record(c, p, voters, atts);
        _observe();
    }

    /// @notice An outsider's attestation, put in a voter's slot, is refused.
    function attestAsOutsider(uint256 seed) external {
        seed = _spread(seed);
        (uint32 c, uint32 p, address[] memory voters) = _openBatch(seed);
        IBatchLedger.BatchHeader memory h = _header(c, p, 0);
        bytes memory sig = _sign(OUTSIDER_KEY, c, p, _digest(h));
        bytes memory item = abi.encodePacked(h.clusterId, h.period, h.root, h.leafCount, h.totalLoadWh);
        item = abi.encodePacked(item, h.totalGenerationWh, uint8(1), uint8(0), sig);
        for (uint256 s = 1; s < voters.length; s++) item = abi.encodePacked(item, voters[s]);
        try ledger.submit(item) {
            revert AssertionFailed("an outsider's attestation was accepted");
        } catch (bytes memory reason) {
            assertTrue(bytes4(reason) == IBatchLedger.UnassignedSigner.selector, "refused as unassigned");
        }
    }

    /// @notice The utility reassigns a cluster's neighbours to its current SPEC 2 ranking, often after the grid
    /// grew by a node somewhere (so the ranking, and with it the voter set, changes mid-window).
    function reassign(uint256 seed) external {
        seed = _spread(seed);
        uint32 c = uint32(1 + (seed % NODES));
        if ((seed >> 8) & 1 == 1 && nodeCount < NODES + MAX_EXTRA_NODES) {
            int64 x = int64(int256((seed >> 16) % (2 * GROWTH_SPAN + 1))) - int64(int256(GROWTH_SPAN));
            int64 y = int64(int256((seed >> 48) % (2 * GROWTH_SPAN + 1))) - int64(int256(GROWTH_SPAN));
            _addCluster(nodeCount, x, y);
            nodeCount++;
        }
        address[] memory ranked = registry.rankNeighbours(c);
        registry.setNeighbours(c, ranked);
        delete _assigned[c];
        _assigned[c].push(_node(c - 1));
        for (uint256 i = 0; i < ranked.length; i++) _assigned[c].push(ranked[i]);
        _observe();
    }

    /// @notice Time passes (one time in three, so that a window sees several submissions): one or two periods.
    function advance(uint256 seed) external {
        seed = _spread(seed);
        if (seed % 3 != 0) return;
        vm.warp(block.timestamp + PERIOD_SECONDS * (1 + ((seed >> 8) % 2)));
        _observe();
    }

    /// @notice Anyone finalizes a cluster-period; refused unless its window closed without acceptance.
    function finalize(uint256 seed) external {
        seed = _spread(seed);
        (uint32 c, uint32 p) = _pick(seed);
        try ledger.finalize(c, p) {
            uint256 key = _keyOf(c, p);
            assertTrue(_decided[key] == IBatchLedger.BatchStatus.None, "finalized a decided batch");
            _track(key);
            if (!_hasGhostVoters[key]) _setGhostVoters(key, c);
        } catch {}
        _observe();
    }

    /// @notice Anyone records the missed votes of a decided cluster-period after its window, once.
    function recordMissed(uint256 seed) external {
        seed = _spread(seed);
        (uint32 c, uint32 p) = _pick(seed);
        try ledger.recordMissedVotes(c, p) {
            uint256 key = _keyOf(c, p);
            assertTrue(!_missedRecorded[key], "missed votes recorded twice");
            _missedRecorded[key] = true;
        } catch {}
    }

    // ------------------------------------------------------------- ghost views

    function trackedCount() external view returns (uint256) {
        return _tracked.length;
    }

    function trackedKey(uint256 i) external view returns (uint256) {
        return _tracked[i];
    }

    function ghostVoters(uint256 key) external view returns (address[] memory) {
        return _ghostVoters[key];
    }

    function firstDigest(uint256 key, address node) external view returns (bytes32) {
        return _firstDigest[key][node];
    }

    function missedRecorded(uint256 key) external view returns (bool) {
        return _missedRecorded[key];
    }

    function decided(uint256 key) external view returns (IBatchLedger.BatchStatus) {
        return _decided[key];
    }

    function ledgerAddress() external view returns (address) {
        return address(ledger);
    }

    function nodeAt(uint256 i) external view returns (address) {
        return i < nodeCount ? _node(i) : vm.addr(OUTSIDER_KEY);
    }

    // ------------------------------------------------------------- internal

    function _attestItem(uint32 c, uint32 p, uint256 seed) internal view returns (bytes memory) {
        address[] memory voters = _votersFor(c, p);
        Att[] memory atts = _attsOf(c, p, voters, seed);
        if (atts.length == 0) return "";
        return _item(_header(c, p, seed % DIGEST_CHOICES), voters, atts);
    }

    function _afterSubmit(uint32 c, uint32 p, uint256 seed) internal {
        address[] memory voters = _votersFor(c, p);
        _record(c, p, voters, _attsOf(c, p, voters, seed));
    }

    /// @dev Each voter attests with probability 1/2 (at least one does), for the item's header digest or, with
    /// probability 1/4, for the other digest: mostly honest nodes, often split over several submissions, so that
    /// pending batches, acceptances and late votes are all common.
    function _attsOf(
        uint32 c,
        uint32 p,
        address[] memory voters,
        uint256 seed
    ) internal view returns (Att[] memory atts) {
        uint256 mask = 0;
        for (uint256 s = 0; s < voters.length; s++) if ((seed >> (8 + s)) & 1 != 0) mask |= 1 << s;
        if (mask == 0) mask = 1;
        uint256 headerChoice = seed % DIGEST_CHOICES;
        atts = new Att[](_popcount(mask));
        uint256 n = 0;
        for (uint256 s = 0; s < voters.length; s++) {
            if (mask & (1 << s) == 0) continue;
            uint256 choice = (seed >> (16 + 2 * s)) & 3 == 3 ? 1 - headerChoice : headerChoice;
            atts[n++] = Att({key: _keyOf(voters[s]), digest: _digest(_header(c, p, choice))});
        }
    }

    /// @dev A cluster picked by `seed`, the period whose window is open, and the voters to use for it.
    function _openBatch(uint256 seed) internal view returns (uint32 c, uint32 p, address[] memory voters) {
        c = uint32(1 + (seed % NODES));
        p = _currentPeriod() - 1;
        voters = _votersFor(c, p);
    }

    /// @dev The set a submission for (c, p) must use: the batch's own once it has a record, else the assignment.
    function _votersFor(uint32 c, uint32 p) internal view returns (address[] memory) {
        uint256 key = _keyOf(c, p);
        return _hasGhostVoters[key] ? _ghostVoters[key] : _assigned[c];
    }

    function _record(uint32 c, uint32 p, address[] memory voters, Att[] memory atts) internal {
        uint256 key = _keyOf(c, p);
        _track(key);
        if (!_hasGhostVoters[key]) _setGhostVoters(key, c);
        for (uint256 i = 0; i < atts.length; i++) {
            address signer = vm.addr(atts[i].key);
            _slotOf(voters, signer); // a voter of the batch, or the ghost is wrong
            if (_firstDigest[key][signer] == bytes32(0)) _firstDigest[key][signer] = atts[i].digest;
        }
    }

    function _setGhostVoters(uint256 key, uint32 c) internal {
        _ghostVoters[key] = _assigned[c];
        _hasGhostVoters[key] = true;
    }

    function _track(uint256 key) internal {
        if (_isTracked[key]) return;
        _isTracked[key] = true;
        _tracked.push(key);
    }

    /// @dev Remembers each tracked batch's decision the first time it is seen.
    function _observe() internal {
        for (uint256 i = 0; i < _tracked.length; i++) {
            uint256 key = _tracked[i];
            if (_decided[key] != IBatchLedger.BatchStatus.None) continue;
            IBatchLedger.BatchStatus s = ledger.batchOf(uint32(key >> 32), uint32(key)).status;
            if (s == IBatchLedger.BatchStatus.Accepted || s == IBatchLedger.BatchStatus.Disputed)
                _decided[key] = s;
        }
    }

    /// @dev A recent cluster-period: one of the last four periods.
    function _pick(uint256 seed) internal view returns (uint32 c, uint32 p) {
        c = uint32(1 + (seed % NODES));
        p = _currentPeriod() - uint32(1 + ((seed >> 8) % 4));
    }

    /// @dev The fuzzer favours small and edge values: hash them so that every bit of a seed varies.
    function _spread(uint256 seed) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed)));
    }

    function _keyOf(uint32 c, uint32 p) internal pure returns (uint256) {
        return (uint256(c) << 32) | p;
    }

    function _keyOf(address who) internal view returns (uint256) {
        for (uint256 i = 0; i < nodeCount; i++) if (_node(i) == who) return _key(i);
        revert AssertionFailed("not a node");
    }
}

/// @title BatchLedgerInvariants
/// @notice Stateful properties of SPEC 6 over random action sequences (see LedgerHandler).
contract BatchLedgerInvariants is Base {
    LedgerHandler internal handler;
    IBatchLedger internal ledger;

    function setUp() public {
        handler = new LedgerHandler();
        ledger = IBatchLedger(handler.ledgerAddress());
    }

    /// @dev Only the handler's actions are fuzzed (calling the ledger directly would bypass the ghost).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice One count per node per batch: the ledger's record is exactly the set of nodes whose attestation
    /// reached it, in the batch's own voter set, however often and in whatever way they were sent.
    function invariant_oneCountPerNodePerBatch() public view {
        for (uint256 i = 0; i < handler.trackedCount(); i++) {
            uint256 key = handler.trackedKey(i);
            IBatchLedger.VoteTally memory v = ledger.votesOf(uint32(key >> 32), uint32(key));
            address[] memory voters = handler.ghostVoters(key);
            assertEq(v.voters.length, voters.length, "voter set fixed at the first vote");
            uint256 expected = 0;
            for (uint256 s = 0; s < voters.length; s++) {
                assertTrue(v.voters[s] == voters[s], "voter set fixed at the first vote");
                if (handler.firstDigest(key, voters[s]) != bytes32(0)) expected |= 1 << s;
            }
            assertEq(v.votedMask, expected, "one record per node that attested");
            assertEq(v.agreedMask & ~v.votedMask, 0, "agreement only from recorded nodes");
        }
    }

    /// @notice Faults land only on the node that signed a losing digest, or on a voter of the batch's set without
    /// an attestation once its missed votes are recorded: each exactly once, never on anyone else.
    function invariant_faultsOnlyToSignersOrAbsentees() public view {
        for (uint256 n = 0; n <= handler.nodeCount(); n++) {
            address who = handler.nodeAt(n);
            uint256 expected = 0;
            for (uint256 i = 0; i < handler.trackedCount(); i++)
                expected += _faultsFor(handler.trackedKey(i), who);
            assertEq(ledger.faults(who), expected, "faults");
        }
    }

    /// @notice An accepted digest was attested by at least 2 voters of the batch and by a strict majority.
    function invariant_acceptedHasMajority() public view {
        for (uint256 i = 0; i < handler.trackedCount(); i++) {
            uint256 key = handler.trackedKey(i);
            IBatchLedger.VoteTally memory v = ledger.votesOf(uint32(key >> 32), uint32(key));
            if (v.status != IBatchLedger.BatchStatus.Accepted) continue;
            address[] memory voters = handler.ghostVoters(key);
            uint256 agreeing = 0;
            for (uint256 s = 0; s < voters.length; s++) {
                if (handler.firstDigest(key, voters[s]) == v.digest) agreeing++;
            }
            assertTrue(agreeing >= 2, "at least 2 votes");
            assertTrue(agreeing * 2 > voters.length, "strict majority");
        }
    }

    /// @notice A cluster-period is decided once: Accepted or Disputed never changes.
    function invariant_decidedOnce() public view {
        for (uint256 i = 0; i < handler.trackedCount(); i++) {
            uint256 key = handler.trackedKey(i);
            IBatchLedger.BatchStatus d = handler.decided(key);
            if (d == IBatchLedger.BatchStatus.None) continue;
            assertEq(uint8(ledger.batchOf(uint32(key >> 32), uint32(key)).status), uint8(d), "decided once");
        }
    }

    function _faultsFor(uint256 key, address who) internal view returns (uint256 n) {
        address[] memory voters = handler.ghostVoters(key);
        bool member = false;
        for (uint256 s = 0; s < voters.length; s++) if (voters[s] == who) member = true;
        if (!member) return 0;
        bytes32 first = handler.firstDigest(key, who);
        IBatchLedger.VoteTally memory v = ledger.votesOf(uint32(key >> 32), uint32(key));
        if (v.status == IBatchLedger.BatchStatus.Accepted && first != bytes32(0) && first != v.digest) n++;
        if (handler.missedRecorded(key) && first == bytes32(0)) n++;
    }
}
