// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LedgerBase} from "./LedgerBase.t.sol";
import {IBatchLedger} from "../../contracts/interfaces/IBatchLedger.sol";

/// @dev Fuzzes SPEC 6's vote: 0..3 neighbours, whether and what each voter attests (three digests), the order
/// of the attestations and how they are grouped into submissions (an item's header is its first attestation's;
/// the others ride along). A reference model replays the same submissions; the ledger must agree with it.
contract BatchLedgerTest is LedgerBase {
    uint32 internal constant CLUSTER = 1;
    uint32 internal constant NOW_PERIOD = 10;
    uint32 internal constant BATCH_PERIOD = NOW_PERIOD - 1;
    uint256 internal constant DIGEST_CHOICES = 3;

    function setUp() public {
        _deployLedger(NOW_PERIOD);
        _addCluster(0, 0, 0);
    }

    /// @dev The fuzzed inputs: neighbours, each slot's digest (a byte per slot), which slots attest at all,
    /// the order and the grouping of the attestations.
    struct Votes {
        uint256 neighbourCount;
        uint256 choices;
        uint256 absentMask;
        uint256 orderSeed;
        uint256 groupSeed;
    }

    struct Model {
        uint256 voterCount;
        uint256[MAX_VOTERS] choice;
        uint256 attesting;
        uint256 voted;
        uint256[DIGEST_CHOICES] pending;
        bool accepted;
        uint256 winner;
        uint256 agreed;
        uint256 lost;
    }

    /// @dev SPEC 2 assigns a cluster the first 3 of its ranking: with only `neighbourCount` other clusters (on a
    /// line, nearest first), that ranking is exactly nodes 1..neighbourCount.
    function _assign(uint256 neighbourCount) internal {
        address[] memory nb = new address[](neighbourCount);
        for (uint256 i = 0; i < neighbourCount; i++) {
            nb[i] = _node(i + 1);
            (bool registered, , , , ) = registry.nodeInfo(nb[i]);
            // SPEC 2: only the clusters assigned exist, on a line, so the ranking is exactly nodes 1..count.
            if (!registered) _addCluster(i + 1, int64(int256(i + 1)), 0);
        }
        registry.setNeighbours(CLUSTER, nb);
    }

    /// @dev Fisher-Yates over the attesting slots, driven by `seed`.
    function _order(Model memory m, uint256 seed) internal pure returns (uint256[] memory order) {
        order = new uint256[](_popcount(m.attesting));
        uint256 n = 0;
        for (uint256 s = 0; s < m.voterCount; s++) if (m.attesting & (1 << s) != 0) order[n++] = s;
        for (uint256 i = n; i > 1; i--) {
            uint256 j = uint256(keccak256(abi.encode(seed, i))) % i;
            (order[i - 1], order[j]) = (order[j], order[i - 1]);
        }
    }

    function _needed(uint256 voterCount) internal pure returns (uint256) {
        uint256 strict = voterCount / 2 + 1;
        return strict < 2 ? 2 : strict;
    }

    /// @dev The model's count of one item: header choice `hc`, the slots in `group` with their own choices.
    function _modelItem(Model memory m, uint256 hc, uint256[] memory group, uint256 len) internal pure {
        if (m.accepted) {
            for (uint256 i = 0; i < len; i++) {
                uint256 bit = 1 << group[i];
                m.voted |= bit;
                if (m.choice[group[i]] == m.winner) m.agreed |= bit;
                else m.lost |= bit;
            }
            return;
        }
        uint256 forMask = 0;
        for (uint256 i = 0; i < len; i++) {
            uint256 bit = 1 << group[i];
            m.voted |= bit;
            if (m.choice[group[i]] == hc) forMask |= bit;
            else m.pending[m.choice[group[i]]] |= bit;
        }
        uint256 agreed = m.pending[hc] | forMask;
        m.pending[hc] = agreed;
        if (_popcount(agreed) >= _needed(m.voterCount)) {
            m.accepted = true;
            m.winner = hc;
            m.agreed = agreed;
            m.lost = m.voted & ~agreed;
        }
    }

    function _submitGroup(Model memory m, uint256[] memory group, uint256 len) internal {
        address[] memory voters = _votersOf(CLUSTER, BATCH_PERIOD);
        uint256 hc = m.choice[group[0]];
        Att[] memory atts = new Att[](len);
        for (uint256 i = 0; i < len; i++) {
            atts[i] = Att({
                key: _key(group[i]),
                digest: _digest(_header(CLUSTER, BATCH_PERIOD, m.choice[group[i]]))
            });
        }
        ledger.submit(_item(_header(CLUSTER, BATCH_PERIOD, hc), voters, atts));
        _modelItem(m, hc, group, len);
    }

    /// @dev Submits every attesting voter's attestation in the fuzzed order and grouping, mirrored in the model.
    function _run(Votes memory votes) internal returns (Model memory m) {
        uint256 neighbourCount = bound(votes.neighbourCount, 0, MAX_VOTERS - 1);
        _assign(neighbourCount);
        m.voterCount = neighbourCount + 1;
        m.attesting = ((1 << m.voterCount) - 1) & ~votes.absentMask;
        for (uint256 s = 0; s < m.voterCount; s++) m.choice[s] = (votes.choices >> (s * 8)) % DIGEST_CHOICES;
        uint256[] memory order = _order(m, votes.orderSeed);
        uint256[] memory group = new uint256[](MAX_VOTERS);
        uint256 len = 0;
        for (uint256 i = 0; i < order.length; i++) {
            if (len > 0 && (votes.groupSeed >> i) & 1 == 1) {
                _submitGroup(m, group, len);
                len = 0;
            }
            group[len++] = order[i];
        }
        if (len > 0) _submitGroup(m, group, len);
    }

    /// @notice The ledger decides exactly what the model decides; an accepted digest holds a strict majority of
    /// at least 2 voters and its header is stored; otherwise the batch ends Disputed after its window.
    function testFuzz_decidesLikeTheModel(Votes memory votes) public {
        Model memory m = _run(votes);
        IBatchLedger.VoteTally memory v = ledger.votesOf(CLUSTER, BATCH_PERIOD);
        IBatchLedger.Batch memory b = ledger.batchOf(CLUSTER, BATCH_PERIOD);
        assertEq(v.voters.length, m.voterCount, "voter set");
        assertEq(v.votedMask, m.voted, "one record per attesting voter");
        if (m.accepted) {
            assertEq(uint8(b.status), uint8(IBatchLedger.BatchStatus.Accepted), "accepted");
            IBatchLedger.BatchHeader memory w = _header(CLUSTER, BATCH_PERIOD, m.winner);
            assertTrue(v.digest == _digest(w), "winning digest");
            assertEq(v.agreedMask, m.agreed, "agreeing slots");
            uint256 agreeing = _popcount(v.agreedMask);
            assertTrue(
                agreeing >= 2 && agreeing * 2 > m.voterCount,
                "at least 2 votes and a strict majority"
            );
            assertTrue(b.root == w.root && b.totalLoadWh == w.totalLoadWh, "winner's header stored");
            assertTrue(b.parentOverruled == (m.voted & 1 != 0 && m.agreed & 1 == 0), "parent overruled");
        } else {
            assertTrue(
                m.voterCount == 1 || m.attesting != 0 || v.status == IBatchLedger.BatchStatus.None,
                "state"
            );
            assertTrue(b.status != IBatchLedger.BatchStatus.Accepted, "no majority, no acceptance");
            vm.warp(block.timestamp + PERIOD_SECONDS);
            ledger.finalize(CLUSTER, BATCH_PERIOD);
            assertEq(
                uint8(ledger.batchOf(CLUSTER, BATCH_PERIOD).status),
                uint8(IBatchLedger.BatchStatus.Disputed),
                "disputed"
            );
        }
    }

    /// @notice Faults land exactly on the voters whose attestation lost and, once the window closed, on the
    /// voters without an attestation: never elsewhere, never twice.
    function testFuzz_faultsOnlyToSignersOrAbsentees(Votes memory votes) public {
        Model memory m = _run(votes);
        vm.warp(block.timestamp + PERIOD_SECONDS);
        if (!m.accepted) ledger.finalize(CLUSTER, BATCH_PERIOD);
        ledger.recordMissedVotes(CLUSTER, BATCH_PERIOD);
        for (uint256 s = 0; s < MAX_VOTERS; s++) {
            uint256 bit = 1 << s;
            uint256 expected = 0;
            if (s < m.voterCount) {
                if (m.lost & bit != 0) expected++;
                if (m.voted & bit == 0) expected++;
            }
            assertEq(ledger.faults(_node(s)), expected, "faults");
        }
    }

    /// @notice Outside the window every attestation is refused, with the offending values, wherever the clock
    /// stands: both the current period and the batch's range over all of uint32, so VotingClosed is reached for
    /// periods far beyond the first few.
    function testFuzz_refusesOutsideWindow(uint32 nowPeriod, uint32 period) public {
        nowPeriod = uint32(bound(nowPeriod, NOW_PERIOD, type(uint32).max));
        vm.assume(uint256(period) + 1 != nowPeriod);
        _expectOutsideWindow(nowPeriod, period);
    }

    /// @notice The same refusals at the far ends: the oldest and the newest closed periods of a late clock.
    function test_refusesOutsideWindowAtTheEnds() public {
        uint32 late = type(uint32).max;
        _expectOutsideWindow(late, 0);
        _expectOutsideWindow(late, late - 2);
        _expectOutsideWindow(late, late);
        _expectOutsideWindow(1 << 31, (1 << 31) - 2);
        _expectOutsideWindow(1 << 31, 1 << 31);
    }

    function _expectOutsideWindow(uint32 nowPeriod, uint32 period) internal {
        vm.warp(EPOCH + uint256(nowPeriod) * PERIOD_SECONDS + 1);
        if (registry.neighboursOf(CLUSTER).length == 0) _assign(1);
        IBatchLedger.BatchHeader memory h = _header(CLUSTER, period, 0);
        Att[] memory atts = new Att[](1);
        atts[0] = Att({key: _key(0), digest: _digest(h)});
        address[] memory voters = new address[](2);
        (voters[0], voters[1]) = (_node(0), _node(1));
        bytes memory item = _item(h, voters, atts);
        if (period >= nowPeriod) {
            vm.expectRevert(
                abi.encodeWithSelector(IBatchLedger.FuturePeriod.selector, CLUSTER, period, nowPeriod)
            );
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(IBatchLedger.VotingClosed.selector, CLUSTER, period, nowPeriod)
            );
        }
        ledger.submit(item);
    }
}
