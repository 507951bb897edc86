// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IClusterRegistry} from "./interfaces/IClusterRegistry.sol";
import {IBatchLedger} from "./interfaces/IBatchLedger.sol";
import {ICapacityCertificates} from "./interfaces/ICapacityCertificates.sol";
import {ITariffSchedule} from "./interfaces/ITariffSchedule.sol";
import {GridConstants} from "./libraries/GridConstants.sol";
import {MesMath} from "./libraries/MesMath.sol";
import {BillMath} from "./libraries/BillMath.sol";

/// @title Billing
/// @notice SPEC 10 MES view and SPEC 11 weekly bills, computed only from chain data: readings proven against
/// accepted batches, the PSA each batch fixed at decision, the DGMD's certified capacity and weekly tariff.
/// Because a bill is fully determined by that data, anyone may settle it (a meter's owner, the utility, a
/// gateway); settlement only records it once and emits it for the payment system.
contract Billing {
    /// @notice A meter-week's bill. Amounts are nano-currency units (Wh x micro-units/kWh), exact; the credit is
    /// kept apart from the charge, and `net = charge - credit` is negative when the utility owes the owner.
    struct Bill {
        address meter;
        uint32 week;
        uint256 charge;
        uint256 credit;
        int256 net;
        uint256 importWh;
        uint256 exportWh;
        /// Export paid for: per period min(exportWh, MES x 4h).
        uint256 creditedExportWh;
        /// Export beyond the share: curtailed and unpaid.
        uint256 curtailedExportWh;
        uint32 readings;
        /// Periods of the week whose cluster batch is not decided yet (None or Pending): the quote may change.
        uint32 undecidedPeriods;
        uint64 importRate;
        uint64 exportRate;
        /// The published week whose tariff applied (differs from `week` when the schedule fell back).
        uint32 tariffWeek;
        bool tariffFallback;
    }

    /// @notice What is kept of a settled bill (one slot).
    struct Settlement {
        uint112 charge;
        uint112 credit;
        uint8 readings;
        bool settled;
    }

    /// @notice The topology: meters, clusters and reading validity windows.
    IClusterRegistry public immutable registry;
    /// @notice Accepted batches, their PSA, and the proof check of readings.
    IBatchLedger public immutable ledger;
    /// @notice The DGMD's capacity certificates.
    ICapacityCertificates public immutable certificates;
    /// @notice The DGMD's weekly tariffs.
    ITariffSchedule public immutable tariffs;

    mapping(address meter => mapping(uint32 week => Settlement)) private _settlements;

    /// @notice A meter-week's bill was settled (recorded once) by `settler`.
    event BillSettled(
        address indexed meter,
        uint32 indexed week,
        address indexed settler,
        uint256 charge,
        uint256 credit,
        int256 net,
        uint256 creditedExportWh,
        uint256 curtailedExportWh,
        uint32 tariffWeek,
        bool tariffFallback
    );

    error ZeroAddress();
    error UnknownMeter(address meter);
    error WeekOutOfRange(uint32 week);
    error ReadingOfOtherMeter(address meter, address readingMeter, uint256 index);
    error ReadingOutsideWeek(uint32 week, uint32 period, uint256 index);
    error PeriodsNotIncreasing(uint32 previousPeriod, uint32 period, uint256 index);
    error IncompleteBill(address meter, uint32 week, uint32 period);
    error WeekNotDecided(address meter, uint32 week, uint32 period, IBatchLedger.BatchStatus status);
    error AlreadySettled(address meter, uint32 week, uint256 charge, uint256 credit, int256 net);
    error BatchNotAccepted(uint32 clusterId, uint32 period, IBatchLedger.BatchStatus status);

    /// @param registry_ The ClusterRegistry (must be the ledger's registry).
    /// @param ledger_ The BatchLedger.
    /// @param certificates_ The CapacityCertificates.
    /// @param tariffs_ The TariffSchedule.
    constructor(
        IClusterRegistry registry_,
        IBatchLedger ledger_,
        ICapacityCertificates certificates_,
        ITariffSchedule tariffs_
    ) {
        if (
            address(registry_) == address(0) ||
            address(ledger_) == address(0) ||
            address(certificates_) == address(0) ||
            address(tariffs_) == address(0)
        ) revert ZeroAddress();
        registry = registry_;
        ledger = ledger_;
        certificates = certificates_;
        tariffs = tariffs_;
    }

    /// @notice MES_i of a prosumer in a period (W): the batch's PSA times its authorized capacity, rounded
    /// down. 0 for a consumer, an uncertified or deauthorized prosumer, or a meter not allowed in that period.
    /// @dev Reverts with BatchNotAccepted when the cluster-period has no accepted batch (no PSA exists).
    function mesOf(address meter, uint32 period) external view returns (uint256 mesW) {
        uint32 clusterId = _clusterOf(meter);
        IBatchLedger.Batch memory batch = ledger.batchOf(clusterId, period);
        if (batch.status != IBatchLedger.BatchStatus.Accepted) {
            revert BatchNotAccepted(clusterId, period, batch.status);
        }
        if (!registry.isReadingAllowed(meter, clusterId, period)) return 0;
        return MesMath.mes(batch.psa, certificates.authorizedCapacityAt(meter, period));
    }

    /// @notice Quote a meter-week's bill from its proven readings without settling it.
    /// @param meter The meter billed.
    /// @param week The week (42 periods from period `week * 42`).
    /// @param proofs The meter's readings of the week with their Merkle proofs, periods strictly increasing;
    /// every period whose batch is accepted and in which the meter was allowed must be present.
    /// @return bill The bill; `undecidedPeriods > 0` means batches of the week are still open.
    function quote(
        address meter,
        uint32 week,
        IBatchLedger.ReadingProof[] calldata proofs
    ) external view returns (Bill memory bill) {
        (bill, , ) = _compute(meter, week, proofs);
    }

    /// @notice Settle a meter-week's bill once every batch of the week is decided. Anyone may call: the bill
    /// is determined by chain data alone. A second settlement is refused with the recorded values.
    /// @param meter The meter billed.
    /// @param week The week.
    /// @param proofs As for `quote`.
    /// @return bill The settled bill.
    function settle(
        address meter,
        uint32 week,
        IBatchLedger.ReadingProof[] calldata proofs
    ) external returns (Bill memory bill) {
        Settlement memory s = _settlements[meter][week];
        if (s.settled)
            revert AlreadySettled(meter, week, s.charge, s.credit, BillMath.net(s.charge, s.credit));
        uint32 undecidedPeriod;
        IBatchLedger.BatchStatus undecidedStatus;
        (bill, undecidedPeriod, undecidedStatus) = _compute(meter, week, proofs);
        if (bill.undecidedPeriods != 0) revert WeekNotDecided(meter, week, undecidedPeriod, undecidedStatus);
        _settlements[meter][week] = Settlement({
            charge: SafeCast.toUint112(bill.charge),
            credit: SafeCast.toUint112(bill.credit),
            readings: uint8(bill.readings),
            settled: true
        });
        emit BillSettled(
            meter,
            week,
            msg.sender,
            bill.charge,
            bill.credit,
            bill.net,
            bill.creditedExportWh,
            bill.curtailedExportWh,
            bill.tariffWeek,
            bill.tariffFallback
        );
    }

    /// @notice The recorded settlement of a meter-week (`settled` false when none).
    function settlementOf(address meter, uint32 week) external view returns (Settlement memory) {
        return _settlements[meter][week];
    }

    // ----------------------------------------------------------- internal

    function _clusterOf(address meter) private view returns (uint32 clusterId) {
        clusterId = registry.meterInfo(meter).clusterId;
        if (clusterId == 0) revert UnknownMeter(meter);
    }

    /// @dev Walks the week's periods once: a period with a reading is proven and billed; a period without one
    /// must not be required (accepted batch, meter allowed); undecided batches are counted.
    function _compute(
        address meter,
        uint32 week,
        IBatchLedger.ReadingProof[] calldata proofs
    ) private view returns (Bill memory b, uint32 undecidedPeriod, IBatchLedger.BatchStatus undecidedStatus) {
        uint32 first = _firstPeriod(week);
        _checkOrder(meter, week, first, proofs);
        uint32 clusterId = _clusterOf(meter);
        b.meter = meter;
        b.week = week;
        b.readings = uint32(proofs.length);
        (b.importRate, b.exportRate, b.tariffWeek, b.tariffFallback) = tariffs.tariffOf(week);

        uint256 cursor;
        for (uint256 i; i < GridConstants.PERIODS_PER_WEEK; ++i) {
            uint32 period = first + uint32(i);
            if (cursor < proofs.length && proofs[cursor].reading.period == period) {
                _addReading(b, proofs[cursor]);
                ++cursor;
                continue;
            }
            IBatchLedger.BatchStatus status = ledger.batchOf(clusterId, period).status;
            if (status == IBatchLedger.BatchStatus.Accepted) {
                if (registry.isReadingAllowed(meter, clusterId, period))
                    revert IncompleteBill(meter, week, period);
            } else if (status != IBatchLedger.BatchStatus.Disputed) {
                if (b.undecidedPeriods == 0) (undecidedPeriod, undecidedStatus) = (period, status);
                ++b.undecidedPeriods;
            }
        }
        b.net = BillMath.net(b.charge, b.credit);
        b.curtailedExportWh = b.exportWh - b.creditedExportWh;
    }

    function _addReading(Bill memory b, IBatchLedger.ReadingProof calldata p) private view {
        (, IBatchLedger.Batch memory batch) = ledger.requireProvenReading(p);
        uint256 exportWh = p.reading.exportWh;
        // No export, nothing to share: skip the certificate look-up (same result, less gas).
        uint256 allowed =
            exportWh == 0
                ? 0
                : BillMath.allowedExportWh(
                    batch.psa,
                    certificates.authorizedCapacityAt(b.meter, p.reading.period)
                );
        BillMath.Line memory ln = BillMath.line(
            p.reading.importWh,
            exportWh,
            allowed,
            b.importRate,
            b.exportRate
        );
        b.charge += ln.charge;
        b.credit += ln.credit;
        b.importWh += p.reading.importWh;
        b.exportWh += exportWh;
        b.creditedExportWh += ln.creditedExportWh;
    }

    function _checkOrder(
        address meter,
        uint32 week,
        uint32 first,
        IBatchLedger.ReadingProof[] calldata proofs
    ) private pure {
        uint256 end = uint256(first) + GridConstants.PERIODS_PER_WEEK;
        for (uint256 i; i < proofs.length; ++i) {
            address readingMeter = proofs[i].reading.meter;
            uint32 period = proofs[i].reading.period;
            if (readingMeter != meter) revert ReadingOfOtherMeter(meter, readingMeter, i);
            if (period < first || period >= end) revert ReadingOutsideWeek(week, period, i);
            if (i != 0 && period <= proofs[i - 1].reading.period) {
                revert PeriodsNotIncreasing(proofs[i - 1].reading.period, period, i);
            }
        }
    }

    function _firstPeriod(uint32 week) private pure returns (uint32) {
        uint256 first = uint256(week) * GridConstants.PERIODS_PER_WEEK;
        if (first + GridConstants.PERIODS_PER_WEEK - 1 > type(uint32).max) revert WeekOutOfRange(week);
        return uint32(first);
    }
}
