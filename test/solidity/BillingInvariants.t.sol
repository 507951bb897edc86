// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {ClusterRegistry} from "../../contracts/ClusterRegistry.sol";
import {BatchLedger} from "../../contracts/BatchLedger.sol";
import {Billing} from "../../contracts/Billing.sol";
import {TariffSchedule} from "../../contracts/TariffSchedule.sol";
import {IBatchLedger} from "../../contracts/interfaces/IBatchLedger.sol";
import {IBilling} from "../../contracts/interfaces/IBilling.sol";
import {IClusterRegistry} from "../../contracts/interfaces/IClusterRegistry.sol";
import {ICapacityCertificates} from "../../contracts/interfaces/ICapacityCertificates.sol";
import {ReadingLib} from "../../contracts/libraries/ReadingLib.sol";
import {TariffRule} from "../../contracts/libraries/TariffRule.sol";
import {Merkle64Harness} from "../../contracts/test/Merkle64Harness.sol";
import {LedgerBase} from "./LedgerBase.t.sol";

/// @dev The authorized capacity Billing reads, set by the handler per meter from a period on. A stand-in for
/// CapacityCertificates (whose own rules have their own invariant tests): here capacity is an input.
contract CapacityTable {
    struct Change {
        uint32 fromPeriod;
        uint64 capacityW;
    }

    mapping(address meter => Change[]) private _changes;

    /// @notice From `fromPeriod` on (not before the last change), `meter` may supply `capacityW`.
    function set(address meter, uint32 fromPeriod, uint64 capacityW) external {
        _changes[meter].push(Change(fromPeriod, capacityW));
    }

    /// @notice ICapacityCertificates.authorizedCapacityAt: the last change in force at `period`.
    function authorizedCapacityAt(address meter, uint32 period) external view returns (uint64 capacityW) {
        Change[] storage c = _changes[meter];
        for (uint256 i; i < c.length; ++i) if (c[i].fromPeriod <= period) capacityW = c[i].capacityW;
    }
}

/// @dev Drives one cluster (parent + one neighbour, three meters: two prosumers and a consumer) through whole
/// weeks on the real registry, ledger, tariff schedule and Billing: in each period the batch is accepted (with
/// a random subset of the meters' signed readings: the others are unread) or ends Disputed. It settles random
/// meter-weeks and keeps count of settlements that fail and of bills that differ from the model below, which
/// mirrors lib/billing/billing.ts computeBill (itself pinned to the contracts by the shared vectors and by
/// test/billing.test.ts) without any GridShare library.
contract BillingHandler is LedgerBase {
    uint32 internal constant CLUSTER = 1;
    uint256 internal constant METERS = 3;
    uint256 internal constant PERIODS_PER_WEEK = 42;
    uint256 internal constant FIXED_ONE = 1e18;
    uint256 internal constant PERIOD_HOURS = 4;
    /// @dev Weeks the handler may play: bounds the chain time a run can reach.
    uint32 internal constant MAX_WEEKS = 12;
    /// @dev One period in ACCEPT_ONE_IN gets an accepted batch (the others end Disputed): keeps a week cheap.
    uint256 internal constant ACCEPT_ONE_IN = 5;
    /// @dev Reading energies (Wh) are drawn below these.
    uint256 internal constant MAX_LOAD_WH = 6_000;
    uint256 internal constant MAX_GENERATION_WH = 9_000;
    uint256 internal constant MAX_CAPACITY_W = 6_000;
    uint256 internal constant MAX_FORECAST_WH = 10_000_000;

    TariffSchedule internal immutable tariffs;
    Billing internal immutable billing;
    CapacityTable internal immutable capacities;
    Merkle64Harness internal immutable merkle;
    uint64 internal immutable epoch;
    /// @dev The cluster's two voters' keys: the parent's and its one neighbour's.
    uint256 internal immutable parentKey;
    uint256 internal immutable neighbourKey;
    address internal immutable dgmd;

    /// Meter keys and addresses, sorted by address (the batch's leaf order).
    uint256[METERS] internal keys;
    address[METERS] public meters;
    bool[METERS] internal prosumer;

    uint32 public immutable firstWeek;
    uint32 public nextWeek;

    /// @dev What the handler knows of an accepted period: which meters it holds, its readings and totals.
    struct Period {
        bool accepted;
        uint8 present;
        uint64 totalLoadWh;
        uint64 totalGenerationWh;
    }

    mapping(uint32 period => Period) internal _periods;
    mapping(uint32 period => mapping(uint256 meter => ReadingLib.Reading)) internal _readings;
    mapping(uint32 period => mapping(uint256 meter => bytes)) internal _signatures;

    // Ghost counters the invariants read.
    uint256 public settleFailures;
    bytes public lastFailure;
    uint256 public mismatches;
    uint256 public settlements;
    uint256 public unreadSettled;

    constructor(
        ClusterRegistry registry_,
        BatchLedger ledger_,
        TariffSchedule tariffs_,
        Billing billing_,
        CapacityTable capacities_,
        uint64 epoch_,
        uint256[2] memory voterKeys,
        address dgmd_,
        uint256[METERS] memory sortedKeys,
        bool[METERS] memory isProsumer,
        uint32 firstWeek_
    ) {
        registry = registry_;
        ledger = ledger_;
        tariffs = tariffs_;
        billing = billing_;
        capacities = capacities_;
        merkle = new Merkle64Harness();
        epoch = epoch_;
        (parentKey, neighbourKey) = (voterKeys[0], voterKeys[1]);
        dgmd = dgmd_;
        for (uint256 i; i < METERS; ++i) {
            keys[i] = sortedKeys[i];
            meters[i] = vm.addr(sortedKeys[i]);
            prosumer[i] = isProsumer[i];
        }
        firstWeek = firstWeek_;
        nextWeek = firstWeek_;
    }

    // ------------------------------------------------------------------------------------------ actions

    /// @notice Play the next week: each period's batch is accepted with a random subset of the readings, or
    /// ends Disputed (nobody proposed it); afterwards every batch of the week is decided.
    function playWeek(uint256 seed) external {
        if (nextWeek >= firstWeek + MAX_WEEKS) return;
        uint32 first = uint32(nextWeek * PERIODS_PER_WEEK);
        ++nextWeek;
        for (uint32 p = first; p < first + PERIODS_PER_WEEK; ++p) {
            uint256 r = uint256(keccak256(abi.encode(seed, p)));
            if (r % ACCEPT_ONE_IN == 0) _accept(p, r);
        }
        _warpToPeriod(first + PERIODS_PER_WEEK + 1);
        for (uint32 p = first; p < first + PERIODS_PER_WEEK; ++p) {
            if (!_periods[p].accepted) ledger.finalize(CLUSTER, p);
        }
    }

    /// @notice Settle a played meter-week (all its batches decided) and compare the bill with the model.
    function settle(uint256 meterSeed, uint256 weekSeed) external {
        if (nextWeek == firstWeek) return;
        uint32 week = firstWeek + uint32(weekSeed % (nextWeek - firstWeek));
        uint256 m = meterSeed % METERS;
        if (billing.settlementOf(meters[m], week).settled) return;
        (IBatchLedger.ReadingProof[] memory proofs, IBatchLedger.AbsenceProof[] memory absences) = _proofs(
            m,
            week
        );
        try billing.settle(meters[m], week, proofs, absences) returns (IBilling.Bill memory bill) {
            ++settlements;
            if (absences.length > 0) ++unreadSettled;
            (uint256 charge, uint256 credit) = _model(m, week);
            IBilling.Settlement memory s = billing.settlementOf(meters[m], week);
            if (bill.charge != charge || bill.credit != credit || s.charge != charge || s.credit != credit) {
                ++mismatches;
            }
        } catch (bytes memory reason) {
            ++settleFailures;
            lastFailure = reason;
        }
    }

    /// @notice The DGMD publishes the next week's tariff from a random forecast.
    function publishTariff(uint256 loadWh, uint256 generationWh) external {
        uint32 week = tariffs.currentWeek() + 1;
        vm.prank(dgmd);
        tariffs.publish(week, uint64(loadWh % MAX_FORECAST_WH), uint64(generationWh % MAX_FORECAST_WH));
    }

    /// @notice A prosumer's authorized capacity changes from the next period on (a new certificate, a
    /// revocation to 0, a fraud proof).
    function setCapacity(uint256 meterSeed, uint256 capacityW) external {
        uint256 m = meterSeed % METERS;
        if (!prosumer[m]) return;
        capacities.set(meters[m], registry.currentPeriod() + 1, uint64(capacityW % MAX_CAPACITY_W));
    }

    // -------------------------------------------------------------------------------------------- model

    /// @dev lib/billing/billing.ts computeBill for the meter-week, from what the handler recorded: per read
    /// period import x rate charged and min(export, MES x 4 h) x rate credited, MES = floor(PSA x capacity), PSA
    /// = 1 or floor(L x 1e18 / G); each unread period charged the week's highest import.
    function _model(uint256 m, uint32 week) internal view returns (uint256 charge, uint256 credit) {
        (uint64 importRate, uint64 exportRate, , ) = tariffs.tariffOf(week);
        (uint256 importWh, uint256 paidWh, uint256 highestImportWh, uint256 unread) = _walk(m, week);
        charge = (importWh + unread * highestImportWh) * importRate;
        credit = paidWh * exportRate;
    }

    /// @dev The meter's week: imported and paid Wh of its read periods, its highest import, its unread periods.
    function _walk(
        uint256 m,
        uint32 week
    ) internal view returns (uint256 importWh, uint256 paidWh, uint256 highestImportWh, uint256 unread) {
        uint32 first = uint32(week * PERIODS_PER_WEEK);
        for (uint32 p = first; p < first + PERIODS_PER_WEEK; ++p) {
            Period storage pr = _periods[p];
            if (!pr.accepted) continue;
            if (pr.present & (1 << m) == 0) {
                ++unread;
                continue;
            }
            uint256 imported = _readings[p][m].importWh;
            importWh += imported;
            paidWh += _paidWh(m, p);
            if (imported > highestImportWh) highestImportWh = imported;
        }
    }

    /// @dev min(export, MES x 4 h) of a read period.
    function _paidWh(uint256 m, uint32 p) internal view returns (uint256) {
        Period storage pr = _periods[p];
        uint256 psa =
            pr.totalGenerationWh <= pr.totalLoadWh
                ? FIXED_ONE
                : (uint256(pr.totalLoadWh) * FIXED_ONE) / pr.totalGenerationWh;
        uint256 shareWh = ((psa * capacities.authorizedCapacityAt(meters[m], p)) / FIXED_ONE) * PERIOD_HOURS;
        uint256 exported = _readings[p][m].exportWh;
        return exported < shareWh ? exported : shareWh;
    }

    // ---------------------------------------------------------------------------------------- internals

    function _warpToPeriod(uint256 period) internal {
        vm.warp(epoch + period * PERIOD_SECONDS);
    }

    /// @dev Batch of period `p` with the readings of a random non-empty subset of the meters, attested by the
    /// parent and the neighbour in one submission in period p + 1.
    function _accept(uint32 p, uint256 r) internal {
        uint8 present = uint8((r >> 8) % (1 << METERS));
        if (present == 0) return;
        _warpToPeriod(p + 1);
        Period storage pr = _periods[p];
        bytes8[] memory leaves = new bytes8[](_count(present));
        uint256 n;
        for (uint256 m; m < METERS; ++m) {
            if (present & (1 << m) == 0) continue;
            ReadingLib.Reading memory reading = _reading(m, p, uint256(keccak256(abi.encode(r, m))));
            bytes memory sig = _sign(m, reading);
            _readings[p][m] = reading;
            _signatures[p][m] = sig;
            leaves[n++] = merkle.readingLeaf(reading, sig);
            pr.totalLoadWh += reading.loadWh;
            pr.totalGenerationWh += reading.generationWh;
        }
        pr.accepted = true;
        pr.present = present;
        IBatchLedger.BatchHeader memory h = IBatchLedger.BatchHeader({
            clusterId: CLUSTER,
            period: p,
            root: merkle.computeRoot(leaves),
            leafCount: uint32(leaves.length),
            totalLoadWh: pr.totalLoadWh,
            totalGenerationWh: pr.totalGenerationWh
        });
        address[] memory voters = new address[](2);
        (voters[0], voters[1]) = (vm.addr(parentKey), vm.addr(neighbourKey));
        Att[] memory atts = new Att[](2);
        atts[0] = Att({key: parentKey, digest: _digest(h)});
        atts[1] = Att({key: neighbourKey, digest: _digest(h)});
        ledger.submit(_item(h, voters, atts));
    }

    /// @dev A balanced, plausible reading (SPEC 4, ReadingLib.violation): a consumer only loads; a prosumer's
    /// import and export are what is left of load and generation; each peak is the least one its energy allows.
    function _reading(uint256 m, uint32 p, uint256 r) internal view returns (ReadingLib.Reading memory x) {
        uint64 loadWh = uint64(r % MAX_LOAD_WH);
        uint64 generationWh = prosumer[m] ? uint64((r >> 64) % MAX_GENERATION_WH) : 0;
        x.meter = meters[m];
        x.period = p;
        x.loadWh = loadWh;
        x.generationWh = generationWh;
        x.importWh = loadWh > generationWh ? loadWh - generationWh : 0;
        x.exportWh = generationWh > loadWh ? generationWh - loadWh : 0;
        x.peakLoadW = uint32((loadWh + PERIOD_HOURS - 1) / PERIOD_HOURS);
        x.peakGenerationW = uint32((generationWh + PERIOD_HOURS - 1) / PERIOD_HOURS);
    }

    function _sign(uint256 m, ReadingLib.Reading memory reading) internal view returns (bytes memory) {
        bytes32 digest = registry.hashTypedData(merkle.hashStruct(reading));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[m], digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev The meter's reading proofs and absence proofs for a played week, built from the recorded batches.
    function _proofs(
        uint256 m,
        uint32 week
    )
        internal
        view
        returns (IBatchLedger.ReadingProof[] memory proofs, IBatchLedger.AbsenceProof[] memory absences)
    {
        uint32 first = uint32(week * PERIODS_PER_WEEK);
        uint256 read;
        uint256 unread;
        for (uint32 p = first; p < first + PERIODS_PER_WEEK; ++p) {
            if (!_periods[p].accepted) continue;
            if (_periods[p].present & (1 << m) != 0) ++read;
            else ++unread;
        }
        proofs = new IBatchLedger.ReadingProof[](read);
        absences = new IBatchLedger.AbsenceProof[](unread);
        (read, unread) = (0, 0);
        for (uint32 p = first; p < first + PERIODS_PER_WEEK; ++p) {
            Period storage pr = _periods[p];
            if (!pr.accepted) continue;
            if (pr.present & (1 << m) != 0) {
                proofs[read++] = _leafProof(p, m);
            } else {
                absences[unread++] = _absence(p, m);
            }
        }
    }

    /// @dev Meters present in a period sit in address order: the absent meter's neighbours are the nearest
    /// present meters below and above it.
    function _absence(uint32 p, uint256 m) internal view returns (IBatchLedger.AbsenceProof memory a) {
        uint8 present = _periods[p].present;
        uint256 below = type(uint256).max;
        uint256 above = type(uint256).max;
        for (uint256 k; k < METERS; ++k) {
            if (present & (1 << k) == 0) continue;
            if (k < m) below = k;
            else if (above == type(uint256).max) above = k;
        }
        uint256 count = (below == type(uint256).max ? 0 : 1) + (above == type(uint256).max ? 0 : 1);
        a.meter = meters[m];
        a.period = p;
        a.around = new IBatchLedger.ReadingProof[](count);
        uint256 i;
        if (below != type(uint256).max) a.around[i++] = _leafProof(p, below);
        if (above != type(uint256).max) a.around[i] = _leafProof(p, above);
    }

    /// @dev The reading of meter `m` in period `p` with its packed proof (a reference builder: promoted odd
    /// nodes, siblings bottom-up).
    function _leafProof(uint32 p, uint256 m) internal view returns (IBatchLedger.ReadingProof memory out) {
        uint8 present = _periods[p].present;
        bytes8[] memory level = new bytes8[](_count(present));
        uint256 n;
        uint256 index;
        for (uint256 k; k < METERS; ++k) {
            if (present & (1 << k) == 0) continue;
            if (k == m) index = n;
            level[n++] = merkle.readingLeaf(_readings[p][k], _signatures[p][k]);
        }
        out.reading = _readings[p][m];
        out.signature = _signatures[p][m];
        out.index = uint32(index);
        uint256 idx = index;
        while (n > 1) {
            if ((idx ^ 1) < n) out.proof = bytes.concat(out.proof, level[idx ^ 1]);
            for (uint256 i; i < n / 2; ++i) level[i] = merkle.hashNode(level[2 * i], level[2 * i + 1]);
            if (n % 2 == 1) level[n / 2] = level[n - 1];
            n = (n + 1) / 2;
            idx /= 2;
        }
    }

    function _count(uint8 present) internal pure returns (uint256 c) {
        for (uint256 m; m < METERS; ++m) if (present & (1 << m) != 0) ++c;
    }
}

/// @title Billing invariants (issue 16): stateful, on the real registry, ledger, tariff schedule and Billing.
/// `npm run test:invariants` runs them 10,000 times each (the `invariants` test profile); the default profile
/// runs a few, so that `hardhat test solidity` stays quick.
contract BillingInvariantsTest is Base {
    /// @dev Mon 2024-01-01 00:00 UTC.
    uint64 internal constant EPOCH = 1_704_067_200;
    uint256 internal constant WEEK_SECONDS = 42 * 14_400;
    uint256 internal constant DGMD_KEY = 0xd9d;
    uint64 internal constant BASE_CAPACITY_W = 5_000;

    /// @dev forge-style target selection (EDR reads `targetContracts` / `targetSelectors`).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    BillingHandler internal handler;
    Billing internal billing;

    function setUp() public {
        // Start in week 1: week 1 is played before the first published tariff (week 2) and billed at it.
        vm.warp(EPOCH + WEEK_SECONDS);
        address dgmd = vm.addr(DGMD_KEY);
        ClusterRegistry registry = new ClusterRegistry(address(this), dgmd, EPOCH, 4);
        BatchLedger ledger = new BatchLedger(registry);
        registry.setLedger(ledger);
        TariffSchedule tariffs = new TariffSchedule(
            registry,
            TariffRule.Params({
                baseImportRate: 300_000,
                baseExportRate: 100_000,
                floorRate: 50_000,
                ceilingRate: 600_000,
                sensitivityBps: 5_000
            })
        );
        CapacityTable capacities = new CapacityTable();
        billing = new Billing(registry, ledger, ICapacityCertificates(address(capacities)), tariffs);

        uint256[2] memory voterKeys = [uint256(0x1001), 0x1002];
        for (uint256 i; i < 2; ++i) {
            registry.addNode(vm.addr(voterKeys[i]), int64(int256(i)), 0);
            registry.createCluster(vm.addr(voterKeys[i]), int64(int256(i)), 0);
        }
        address[] memory nb = new address[](1);
        nb[0] = vm.addr(voterKeys[1]);
        registry.setNeighbours(1, nb);

        uint256[3] memory keys = _sortedKeys([uint256(0xa11ce), 0xb0b, 0xca201]);
        bool[3] memory isProsumer = [true, false, true];
        for (uint256 i; i < 3; ++i) {
            address meter = vm.addr(keys[i]);
            registry.addMeter(
                1,
                meter,
                isProsumer[i] ? IClusterRegistry.MeterKind.Prosumer : IClusterRegistry.MeterKind.Consumer
            );
            if (isProsumer[i]) capacities.set(meter, 0, BASE_CAPACITY_W);
        }
        vm.prank(dgmd);
        tariffs.publish(2, 1_000_000, 400_000);
        handler = new BillingHandler(
            registry,
            ledger,
            tariffs,
            billing,
            capacities,
            EPOCH,
            voterKeys,
            dgmd,
            keys,
            isProsumer,
            1
        );
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](4);
        selectors[0] = BillingHandler.playWeek.selector;
        selectors[1] = BillingHandler.settle.selector;
        selectors[2] = BillingHandler.publishTariff.selector;
        selectors[3] = BillingHandler.setCapacity.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /// @dev A meter-week settles once all its batches are decided: unread periods (an accepted batch without
    /// the meter's reading) and weeks before the first tariff never block it.
    /// hardhat-config: invariant.depth = 6
    function invariant_decidedWeekAlwaysSettles() public view {
        if (handler.settleFailures() != 0) revert AssertionFailed(string(handler.lastFailure()));
    }

    /// @dev Every settled bill's charge and credit, as returned and as stored, equal the model's.
    /// hardhat-config: invariant.depth = 6
    function invariant_billEqualsModel() public view {
        assertEq(handler.mismatches(), 0, "bills that differ from the model");
    }

    /// @dev The handler itself, scripted: two weeks (the first before the first tariff), every meter settled,
    /// unread periods among them; so the invariants above cannot pass by never settling.
    function testScriptedWeeksSettleAsModelled() public {
        uint256 seed = 7;
        handler.setCapacity(2, 3_000);
        handler.playWeek(seed);
        handler.publishTariff(2_000_000, 500_000);
        handler.playWeek(seed + 1);
        for (uint256 w; w < 2; ++w) for (uint256 m; m < 3; ++m) handler.settle(m, w);
        assertEq(handler.settleFailures(), 0, "failed settlements");
        assertEq(handler.mismatches(), 0, "bills unlike the model");
        assertEq(handler.settlements(), 6, "settled meter-weeks");
        assertTrue(handler.unreadSettled() > 0, "some bills had unread periods");
        (, , uint32 tariffWeek, bool fallback_) = billing.tariffs().tariffOf(1);
        assertTrue(tariffWeek == 2 && fallback_, "week 1 is billed at the first tariff, week 2's");
    }

    function _sortedKeys(uint256[3] memory k) internal pure returns (uint256[3] memory) {
        for (uint256 i; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (vm.addr(k[j]) < vm.addr(k[i])) (k[i], k[j]) = (k[j], k[i]);
            }
        }
        return k;
    }
}
