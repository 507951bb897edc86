// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {ClusterRegistry} from "../../contracts/ClusterRegistry.sol";
import {BatchLedger} from "../../contracts/BatchLedger.sol";
import {IBatchLedger} from "../../contracts/interfaces/IBatchLedger.sol";

/// @dev Fuzzes SPEC 6's vote: 1..3 neighbours, each voter's choice among three digests, and the vote order.
/// A reference model replays the same votes; the ledger must agree with it on every outcome.
contract BatchLedgerTest is Base {
    /// @dev Mon 2024-01-01 00:00 UTC.
    uint64 internal constant EPOCH = 1_704_067_200;
    uint256 internal constant PERIOD_SECONDS = 14_400;
    uint32 internal constant CLUSTER = 1;
    uint32 internal constant NOW_PERIOD = 10;
    uint32 internal constant BATCH_PERIOD = NOW_PERIOD - 1;
    uint256 internal constant DIGEST_CHOICES = 3;
    uint256 internal constant MAX_VOTERS = 4;

    ClusterRegistry internal registry;
    BatchLedger internal ledger;
    address[MAX_VOTERS] internal nodes;

    function setUp() public {
        vm.warp(EPOCH + NOW_PERIOD * PERIOD_SECONDS + 1);
        registry = new ClusterRegistry(address(this), address(0), EPOCH, 4);
        ledger = new BatchLedger(registry);
        for (uint256 i = 0; i < MAX_VOTERS; i++) {
            nodes[i] = address(uint160(0x1000 + i));
            registry.addNode(nodes[i], int64(int256(i)), 0);
        }
        registry.createCluster(nodes[0], 0, 0);
    }

    struct Model {
        uint256 voterCount;
        uint256[MAX_VOTERS] choice;
        bool[MAX_VOTERS] recorded;
        uint256[DIGEST_CHOICES] counts;
        bool accepted;
        uint256 winner;
        bool parentRecordedBeforeDecision;
    }

    function _header(uint256 choice) internal pure returns (IBatchLedger.BatchHeader memory) {
        return
            IBatchLedger.BatchHeader({
                clusterId: CLUSTER,
                period: BATCH_PERIOD,
                root: bytes8(uint64(0xA0 + choice)),
                leafCount: 4,
                totalLoadWh: uint64(10_000 + choice),
                totalGenerationWh: 12_000
            });
    }

    /// @dev SPEC 2 assigns a cluster the first 3 of its ranking: with only `neighbourCount` other clusters (on a
    /// line, nearest first), that ranking is exactly nodes 1..neighbourCount.
    function _assign(uint256 neighbourCount) internal {
        address[] memory nb = new address[](neighbourCount);
        for (uint256 i = 0; i < neighbourCount; i++) {
            nb[i] = nodes[i + 1];
            registry.createCluster(nb[i], int64(int256(i + 1)), 0);
        }
        registry.setNeighbours(CLUSTER, nb);
    }

    /// @dev Fisher-Yates over voter slots, driven by `seed`.
    function _order(uint256 n, uint256 seed) internal pure returns (uint256[] memory order) {
        order = new uint256[](n);
        for (uint256 i = 0; i < n; i++) order[i] = i;
        for (uint256 i = n; i > 1; i--) {
            uint256 j = uint256(keccak256(abi.encode(seed, i))) % i;
            (order[i - 1], order[j]) = (order[j], order[i - 1]);
        }
    }

    /// @dev The fuzzed inputs of one vote: how many neighbours, each voter's digest (a byte of `choices` per
    /// voter slot) and the order of the votes.
    struct Votes {
        uint256 neighbourCount;
        uint256 choices;
        uint256 orderSeed;
    }

    /// @dev Casts every voter's vote in the fuzzed order, mirroring each in the model.
    function _run(Votes memory votes) internal returns (Model memory m) {
        uint256 neighbourCount = bound(votes.neighbourCount, 1, MAX_VOTERS - 1);
        uint256 choices = votes.choices;
        _assign(neighbourCount);
        m.voterCount = neighbourCount + 1;
        uint256 majority = m.voterCount / 2 + 1;
        for (uint256 s = 0; s < m.voterCount; s++) m.choice[s] = (choices >> (s * 8)) % DIGEST_CHOICES;

        uint256[] memory order = _order(m.voterCount, votes.orderSeed);
        for (uint256 i = 0; i < order.length; i++) {
            uint256 s = order[i];
            IBatchLedger.BatchHeader memory h = _header(m.choice[s]);
            vm.prank(nodes[s]);
            if (s == 0) {
                if (m.accepted) {
                    // A proposal after the decision is refused.
                    vm.expectRevert(
                        abi.encodeWithSelector(
                            IBatchLedger.BatchAlreadyDecided.selector,
                            CLUSTER,
                            BATCH_PERIOD,
                            IBatchLedger.BatchStatus.Accepted
                        )
                    );
                    ledger.propose(h);
                    continue;
                }
                ledger.propose(h);
                m.parentRecordedBeforeDecision = true;
            } else {
                ledger.vote(h);
            }
            m.recorded[s] = true;
            m.counts[m.choice[s]]++;
            if (!m.accepted && m.counts[m.choice[s]] >= majority) {
                m.accepted = true;
                m.winner = m.choice[s];
            }
        }
    }

    /// @notice The decided digest always holds a strict majority of the voters, and the ledger decides exactly
    /// what the model decides, storing the winner's header.
    function testFuzz_acceptedDigestHasStrictMajority(Votes memory votes) public {
        Model memory m = _run(votes);
        IBatchLedger.VoteTally memory v = ledger.votesOf(CLUSTER, BATCH_PERIOD);
        IBatchLedger.Batch memory b = ledger.batchOf(CLUSTER, BATCH_PERIOD);
        assertEq(v.voterCount, m.voterCount, "voter count snapshot");
        if (m.accepted) {
            assertEq(uint8(b.status), uint8(IBatchLedger.BatchStatus.Accepted), "accepted");
            bytes32 w = ledger.digestOf(_header(m.winner));
            assertTrue(v.candidates[v.winner] == w, "winning digest");
            assertTrue(v.counts[v.winner] * 2 > m.voterCount, "strict majority of voters");
            assertTrue(b.root == _header(m.winner).root, "winner's root stored");
            assertEq(b.totalLoadWh, _header(m.winner).totalLoadWh, "winner's totals stored");
            // Nothing else can hold a majority.
            for (uint256 k = 0; k < v.candidates.length; k++) {
                if (k != v.winner) assertTrue(v.counts[k] * 2 <= m.voterCount, "single majority");
            }
        } else {
            assertEq(uint8(b.status), uint8(IBatchLedger.BatchStatus.Pending), "no majority stays pending");
            for (uint256 k = 0; k < v.candidates.length; k++) {
                assertTrue(v.counts[k] * 2 <= m.voterCount, "no candidate has a majority");
            }
            // Everyone voted and nobody won: finalize may dispute at once.
            ledger.finalize(CLUSTER, BATCH_PERIOD);
            assertEq(
                uint8(ledger.batchOf(CLUSTER, BATCH_PERIOD).status),
                uint8(IBatchLedger.BatchStatus.Disputed),
                "disputed"
            );
            assertTrue(!ledger.isAccepted(CLUSTER, BATCH_PERIOD), "disputed batch does not count");
        }
    }

    /// @notice The parent is overruled exactly when a neighbour majority agreed on a digest other than the one the
    /// parent proposed; faults go exactly to the voters whose recorded digest lost.
    function testFuzz_parentOverruledExactlyWhenNeighbourMajorityDisagrees(Votes memory votes) public {
        Model memory m = _run(votes);
        IBatchLedger.Batch memory b = ledger.batchOf(CLUSTER, BATCH_PERIOD);
        uint256 majority = m.voterCount / 2 + 1;
        uint256 neighboursForWinner = 0;
        for (uint256 s = 1; s < m.voterCount; s++) if (m.choice[s] == m.winner) neighboursForWinner++;
        bool expected =
            m.accepted &&
                m.parentRecordedBeforeDecision &&
                m.choice[0] != m.winner &&
                neighboursForWinner >= majority;
        assertTrue(b.parentOverruled == expected, "parentOverruled iff a neighbour majority disagreed");
        if (m.accepted && m.parentRecordedBeforeDecision && m.choice[0] != m.winner) {
            assertTrue(b.parentOverruled, "a parent outvoted after proposing is overruled");
        }
        for (uint256 s = 0; s < m.voterCount; s++) {
            uint256 expectedFaults = m.accepted && m.recorded[s] && m.choice[s] != m.winner ? 1 : 0;
            assertEq(ledger.faults(nodes[s]), expectedFaults, "faults");
        }
    }

    /// @notice Outside the window every vote is refused, with the offending values, wherever the clock stands:
    /// both the current period and the batch's range over all of uint32, so VotingClosed is reached for periods
    /// far beyond the first few.
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
        vm.prank(nodes[0]);
        if (period >= nowPeriod) {
            vm.expectRevert(
                abi.encodeWithSelector(IBatchLedger.FuturePeriod.selector, CLUSTER, period, nowPeriod)
            );
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(IBatchLedger.VotingClosed.selector, CLUSTER, period, nowPeriod)
            );
        }
        IBatchLedger.BatchHeader memory h = _header(0);
        h.period = period;
        ledger.propose(h);
    }
}
