// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBatchLedger} from "./IBatchLedger.sol";
import {ICapacityCertificates} from "./ICapacityCertificates.sol";
import {IClusterRegistry} from "./IClusterRegistry.sol";
import {IGridShareErrors} from "./IGridShareErrors.sol";
import {ITariffSchedule} from "./ITariffSchedule.sol";

/// @title IBilling
/// @notice SPEC 10 MES view and SPEC 11 weekly bills, computed only from chain data: its functions, events and
/// errors. A period without an accepted batch has no PSA: {mesOf} then reverts with the ledger's
/// {IBatchLedger-BatchNotAccepted}.
interface IBilling is IGridShareErrors {
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
        /// Export paid for: per period min(exportWh, the share allowed by the week's curtailment rule).
        uint256 creditedExportWh;
        /// Export beyond the share: curtailed and unpaid.
        uint256 curtailedExportWh;
        uint32 readings;
        /// Periods whose accepted batch holds no reading of the meter (SPEC 11): no export credit, and each is
        /// charged the highest import among the week's proven readings.
        uint32[] unreadPeriods;
        /// Import charged for the unread periods, in total (charge includes it; `importWh` does not).
        uint256 unreadImportWh;
        /// Periods of the week whose cluster batch is not decided yet (None or Pending): the quote may change.
        uint32 undecidedPeriods;
        uint64 importRate;
        uint64 exportRate;
        /// The published week whose tariff applied (differs from `week` when the schedule fell back).
        uint32 tariffWeek;
        bool tariffFallback;
        /// The week's curtailment rule (TariffSchedule): how the paid export of each period is capped.
        ITariffSchedule.CurtailmentRule curtailmentRule;
    }

    /// @notice What is kept of a settled bill (one slot).
    struct Settlement {
        uint112 charge;
        uint112 credit;
        uint8 readings;
        uint8 unread;
        bool settled;
    }

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

    /// @notice A settled bill had unread periods (SPEC 11): the utility should inspect the meter (a meter that
    /// goes silent is a tamper suspect). Each was charged `importWhEach`, the week's highest proven import.
    event UnreadPeriods(address indexed meter, uint32 indexed week, uint32[] periods, uint256 importWhEach);

    /// @dev The week's last period does not fit in a uint32 period number.
    error WeekOutOfRange(uint32 week);
    /// @dev Proof `index` carries a reading of another meter than the one billed.
    error ReadingOfOtherMeter(address meter, address readingMeter, uint256 index);
    /// @dev Proof `index` carries a reading of a period outside the week.
    error ReadingOutsideWeek(uint32 week, uint32 period, uint256 index);
    /// @dev The proofs' periods must be strictly increasing; proof `index` breaks the order.
    error PeriodsNotIncreasing(uint32 previousPeriod, uint32 period, uint256 index);
    /// @dev `period` has an accepted batch in which the meter's reading counts, but neither a reading nor an
    /// absence proof was given for it.
    error IncompleteBill(address meter, uint32 week, uint32 period);
    /// @dev Absence proof `index` is of another meter than the one billed.
    error AbsenceOfOtherMeter(address meter, address absenceMeter, uint256 index);
    /// @dev Absence proof `index` (of `period`) was not used: absences must be of the week's periods that have no
    /// reading, in strictly increasing order.
    error UnusedAbsence(uint256 index, uint32 period);
    /// @dev An absence proof for a period in which the meter's reading does not count (not allowed then): it is
    /// not unread, so it is not charged.
    error AbsenceNotRequired(address meter, uint32 period);
    /// @dev Settlement needs every batch of the week decided; `period` (the first undecided) is `status`.
    error WeekNotDecided(address meter, uint32 week, uint32 period, IBatchLedger.BatchStatus status);
    /// @dev The meter-week was settled already, with these values.
    error AlreadySettled(address meter, uint32 week, uint256 charge, uint256 credit, int256 net);

    /// @notice The topology: meters, clusters and reading validity windows.
    function registry() external view returns (IClusterRegistry);

    /// @notice Accepted batches, their PSA, and the proof check of readings.
    function ledger() external view returns (IBatchLedger);

    /// @notice The DGMD's capacity certificates.
    function certificates() external view returns (ICapacityCertificates);

    /// @notice The DGMD's weekly tariffs.
    function tariffs() external view returns (ITariffSchedule);

    /// @notice MES_i of a prosumer in a period (W): the batch's PSA times its authorized capacity, rounded
    /// down. 0 for a consumer, an uncertified or deauthorized prosumer, or a meter not allowed in that period.
    /// @dev Reverts with {IBatchLedger-BatchNotAccepted} when the cluster-period has no accepted batch (no PSA).
    /// @param meter The meter.
    /// @param period The period.
    /// @return mesW The meter's share in watts.
    function mesOf(address meter, uint32 period) external view returns (uint256 mesW);

    /// @notice Quote a meter-week's bill from its proven readings without settling it.
    /// @param meter The meter billed.
    /// @param week The week (42 periods from period `week * 42`).
    /// @param proofs The meter's readings of the week with their Merkle proofs, periods strictly increasing.
    /// @param absences Proofs that the meter's reading is missing from an accepted batch (unread periods),
    /// periods strictly increasing. Every period whose batch is accepted and in which the meter was allowed needs
    /// a reading or an absence proof.
    /// @return bill The bill; `undecidedPeriods > 0` means batches of the week are still open.
    function quote(
        address meter,
        uint32 week,
        IBatchLedger.ReadingProof[] calldata proofs,
        IBatchLedger.AbsenceProof[] calldata absences
    ) external view returns (Bill memory bill);

    /// @notice Settle a meter-week's bill once every batch of the week is decided. Anyone may call: the bill
    /// is determined by chain data alone. A second settlement is refused with the recorded values.
    /// @param meter The meter billed.
    /// @param week The week.
    /// @param proofs As for `quote`.
    /// @param absences As for `quote`.
    /// @return bill The settled bill.
    function settle(
        address meter,
        uint32 week,
        IBatchLedger.ReadingProof[] calldata proofs,
        IBatchLedger.AbsenceProof[] calldata absences
    ) external returns (Bill memory bill);

    /// @notice The recorded settlement of a meter-week (`settled` false when none).
    /// @param meter The meter.
    /// @param week The week.
    /// @return The settlement.
    function settlementOf(address meter, uint32 week) external view returns (Settlement memory);
}
