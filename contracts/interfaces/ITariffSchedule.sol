// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGridShareErrors} from "./IGridShareErrors.sol";

/// @title ITariffSchedule
/// @notice What billing reads from the DGMD's weekly tariffs (SPEC 9), and the events and errors of the schedule.
/// Rates are micro-currency units per kWh.
interface ITariffSchedule is IGridShareErrors {
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

    /// @dev The week has started (or is past): its tariff is frozen.
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
}
