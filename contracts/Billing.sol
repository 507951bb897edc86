// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IBilling} from "./interfaces/IBilling.sol";
import {IClusterRegistry} from "./interfaces/IClusterRegistry.sol";
import {IBatchLedger} from "./interfaces/IBatchLedger.sol";
import {ICapacityCertificates} from "./interfaces/ICapacityCertificates.sol";
import {ITariffSchedule} from "./interfaces/ITariffSchedule.sol";
import {GridConstants} from "./libraries/GridConstants.sol";
import {MesMath} from "./libraries/MesMath.sol";
import {BillMath} from "./libraries/BillMath.sol";

/// @title Billing
/// @notice SPEC 10 MES view and SPEC 11 weekly bills, computed only from chain data: readings proven against
/// accepted batches, unread periods proven by non-membership, the PSA each batch fixed at decision, the DGMD's
/// certified capacity and weekly tariff.
/// Because a bill is fully determined by that data, anyone may settle it (a meter's owner, the utility, a
/// gateway); settlement only records it once and emits it for the payment system.
contract Billing is IBilling {
    /// @inheritdoc IBilling
    IClusterRegistry public immutable registry;
    /// @inheritdoc IBilling
    IBatchLedger public immutable ledger;
    /// @inheritdoc IBilling
    ICapacityCertificates public immutable certificates;
    /// @inheritdoc IBilling
    ITariffSchedule public immutable tariffs;

    /// @dev `_compute`'s position in the week (a struct: the walk needs more locals than the stack holds).
    struct Walk {
        uint256 readings;
        uint256 unread;
        uint256 highestImportWh;
        uint32 undecidedPeriod;
        IBatchLedger.BatchStatus undecidedStatus;
    }

    mapping(address meter => mapping(uint32 week => Settlement)) private _settlements;

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

    /// @inheritdoc IBilling
    function mesOf(address meter, uint32 period) external view returns (uint256 mesW) {
        uint32 clusterId = _clusterOf(meter);
        IBatchLedger.Batch memory batch = ledger.batchOf(clusterId, period);
        if (batch.status != IBatchLedger.BatchStatus.Accepted) {
            revert IBatchLedger.BatchNotAccepted(clusterId, period, batch.status);
        }
        if (!registry.isReadingAllowed(meter, clusterId, period)) return 0;
        return MesMath.mes(batch.psa, certificates.authorizedCapacityAt(meter, period));
    }

    /// @inheritdoc IBilling
    function quote(
        address meter,
        uint32 week,
        IBatchLedger.ReadingProof[] calldata proofs,
        IBatchLedger.AbsenceProof[] calldata absences
    ) external view returns (Bill memory bill) {
        (bill, , ) = _compute(meter, week, proofs, absences);
    }

    /// @inheritdoc IBilling
    function settle(
        address meter,
        uint32 week,
        IBatchLedger.ReadingProof[] calldata proofs,
        IBatchLedger.AbsenceProof[] calldata absences
    ) external returns (Bill memory bill) {
        Settlement memory s = _settlements[meter][week];
        if (s.settled)
            revert AlreadySettled(meter, week, s.charge, s.credit, BillMath.net(s.charge, s.credit));
        uint32 undecidedPeriod;
        IBatchLedger.BatchStatus undecidedStatus;
        (bill, undecidedPeriod, undecidedStatus) = _compute(meter, week, proofs, absences);
        if (bill.undecidedPeriods != 0) revert WeekNotDecided(meter, week, undecidedPeriod, undecidedStatus);
        uint256 unread = bill.unreadPeriods.length;
        _settlements[meter][week] = Settlement({
            charge: SafeCast.toUint112(bill.charge),
            credit: SafeCast.toUint112(bill.credit),
            readings: uint8(bill.readings),
            unread: uint8(unread),
            settled: true
        });
        if (unread != 0) emit UnreadPeriods(meter, week, bill.unreadPeriods, bill.unreadImportWh / unread);
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

    /// @inheritdoc IBilling
    function settlementOf(address meter, uint32 week) external view returns (Settlement memory) {
        return _settlements[meter][week];
    }

    // ----------------------------------------------------------- internal

    function _clusterOf(address meter) private view returns (uint32 clusterId) {
        clusterId = registry.meterInfo(meter).clusterId;
        if (clusterId == 0) revert UnknownMeter(meter);
    }

    /// @dev Walks the week's periods once: a period with a reading is proven and billed; a period with an
    /// absence proof is unread (proven by the ledger, and counted only where the meter's reading would count);
    /// any other period must not be required (accepted batch, meter allowed); undecided batches are counted.
    /// Unread periods are charged last, at the highest import among the proven readings (SPEC 11).
    function _compute(
        address meter,
        uint32 week,
        IBatchLedger.ReadingProof[] calldata proofs,
        IBatchLedger.AbsenceProof[] calldata absences
    ) private view returns (Bill memory b, uint32 undecidedPeriod, IBatchLedger.BatchStatus undecidedStatus) {
        uint32 first = _firstPeriod(week);
        _checkOrder(meter, week, first, proofs);
        uint32 clusterId = _clusterOf(meter);
        b.meter = meter;
        b.week = week;
        b.readings = uint32(proofs.length);
        b.unreadPeriods = new uint32[](absences.length);
        (b.importRate, b.exportRate, b.tariffWeek, b.tariffFallback) = tariffs.tariffOf(week);
        (b.curtailmentRule, , ) = tariffs.curtailmentRuleOf(week);

        Walk memory w;
        for (uint32 period = first; period < first + GridConstants.PERIODS_PER_WEEK; ++period) {
            if (w.readings < proofs.length && proofs[w.readings].reading.period == period) {
                w.highestImportWh = Math.max(w.highestImportWh, proofs[w.readings].reading.importWh);
                _addReading(b, proofs[w.readings]);
                ++w.readings;
            } else if (w.unread < absences.length && absences[w.unread].period == period) {
                _requireUnread(meter, clusterId, absences[w.unread], w.unread);
                b.unreadPeriods[w.unread] = period;
                ++w.unread;
            } else {
                _requireUnproven(b, clusterId, period, w);
            }
        }
        // Out of the week, out of order, or on a period that has a reading.
        if (w.unread != absences.length) revert UnusedAbsence(w.unread, absences[w.unread].period);
        (undecidedPeriod, undecidedStatus) = (w.undecidedPeriod, w.undecidedStatus);
        b.unreadImportWh = w.unread * w.highestImportWh;
        b.charge += b.unreadImportWh * b.importRate;
        b.net = BillMath.net(b.charge, b.credit);
        b.curtailedExportWh = b.exportWh - b.creditedExportWh;
    }

    /// @dev A period with neither a reading nor an absence proof: refused when the meter's reading would count in
    /// an accepted batch; a Disputed batch needs nothing; undecided ones are counted (the first one remembered).
    function _requireUnproven(Bill memory b, uint32 clusterId, uint32 period, Walk memory w) private view {
        IBatchLedger.BatchStatus status = ledger.batchOf(clusterId, period).status;
        if (status == IBatchLedger.BatchStatus.Accepted) {
            if (registry.isReadingAllowed(b.meter, clusterId, period))
                revert IncompleteBill(b.meter, b.week, period);
        } else if (status != IBatchLedger.BatchStatus.Disputed) {
            if (b.undecidedPeriods == 0) (w.undecidedPeriod, w.undecidedStatus) = (period, status);
            ++b.undecidedPeriods;
        }
    }

    /// @dev Absence proof `index` shows the meter's reading missing from the period's accepted batch, in a
    /// period where its reading would count.
    function _requireUnread(
        address meter,
        uint32 clusterId,
        IBatchLedger.AbsenceProof calldata a,
        uint256 index
    ) private view {
        if (a.meter != meter) revert AbsenceOfOtherMeter(meter, a.meter, index);
        ledger.requireUnreadPeriod(a);
        if (!registry.isReadingAllowed(meter, clusterId, a.period))
            revert AbsenceNotRequired(meter, a.period);
    }

    function _addReading(Bill memory b, IBatchLedger.ReadingProof calldata p) private view {
        (, IBatchLedger.Batch memory batch) = ledger.requireProvenReading(p);
        uint256 exportWh = p.reading.exportWh;
        // No export, nothing to share: skip the certificate look-up (same result, less gas).
        uint256 allowed =
            exportWh == 0
                ? 0
                : BillMath.allowedExportWhUnder(
                    b.curtailmentRule,
                    batch.psa,
                    certificates.authorizedCapacityAt(b.meter, p.reading.period),
                    p.reading.generationWh
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
