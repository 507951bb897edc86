// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGridShareErrors} from "./IGridShareErrors.sol";

/// @title ITariffSchedule
/// @notice What billing reads from the DGMD's weekly tariffs (SPEC 9) and curtailment rules, and the events and
/// errors of the schedule. Rates are micro-currency units per kWh.
interface ITariffSchedule is IGridShareErrors {
    /// @notice How the export paid in a period is capped (SPEC 10, 11); the DGMD chooses per week.
    /// `Capacity` (the paper's rule, the default): `MES_i * 4 h` with `MES_i = PSA * capacity_i`; shares follow
    /// nameplate, so in a surplus they allow more than the cluster's load.
    /// `Generation`: `PSA * generationWh_i` of the meter's proven reading; the shares sum to `PSA * G <= L`,
    /// so the cluster's allowed supply equals its load (rounded down).
    enum CurtailmentRule {
        Capacity,
        Generation
    }

    /// @notice The DGMD set the rule parameters for weeks published from now on.
    event TariffParamsSet(
        uint64 baseImportRate,
        uint64 baseExportRate,
        uint64 floorRate,
        uint64 ceilingRate,
        uint16 sensitivityBps
    );
    /// @notice A week's tariff was published (or republished before it started).
    event TariffPublished(
        uint32 indexed week,
        uint64 forecastLoadWh,
        uint64 forecastGenerationWh,
        uint64 importRate,
        uint64 exportRate,
        int256 gapBps,
        bool republished
    );

    /// @notice The DGMD announced the curtailment rule of `week` and the weeks after it, until the next announcement
    /// (or re-announced it before the week started).
    event CurtailmentRuleSet(uint32 indexed week, CurtailmentRule rule, bool reannounced);

    /// @dev The week has started (or is past): its tariff and curtailment rule are frozen.
    error WeekAlreadyStarted(uint32 week, uint32 currentWeek);
    /// @dev No tariff was published yet (for any week).
    error NoTariff(uint32 week);
    /// @dev `week` precedes every published week; the first one, `firstWeek`, applies to it once it has started.
    error TariffNotFixedYet(uint32 week, uint32 firstWeek);

    /// @notice The tariff in force for `week`. When none was published for it, the last published week before
    /// it applies and `isFallback` is true; a week before every published week takes the first published one,
    /// flagged the same, once that week has started ({TariffNotFixedYet} before, {NoTariff} when none exists).
    /// @return importRate Price of imported energy, micro-units per kWh.
    /// @return exportRate Credit for exported energy within the share, micro-units per kWh.
    /// @return sourceWeek The week whose published tariff applies.
    /// @return isFallback Whether `sourceWeek != week`.
    function tariffOf(
        uint32 week
    ) external view returns (uint64 importRate, uint64 exportRate, uint32 sourceWeek, bool isFallback);

    /// @notice The curtailment rule in force for `week`: the one announced for the latest week up to `week`, or
    /// `Capacity` when none was (the paper's rule is the default).
    /// @return rule The rule billing applies to the week's periods.
    /// @return sourceWeek The week whose announcement applies (0 when none).
    /// @return announced Whether any announcement applies (false: the default).
    function curtailmentRuleOf(
        uint32 week
    ) external view returns (CurtailmentRule rule, uint32 sourceWeek, bool announced);
}
