// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ITariffSchedule
/// @notice What billing reads from the DGMD's weekly tariffs (SPEC 9). Rates are micro-currency units per kWh.
interface ITariffSchedule {
    /// @notice The tariff in force for `week`. When none was published for it, the last published week before
    /// it applies and `isFallback` is true (reverts when no tariff was ever published up to `week`).
    /// @return importRate Price of imported energy, micro-units per kWh.
    /// @return exportRate Credit for exported energy within the share, micro-units per kWh.
    /// @return sourceWeek The week whose published tariff applies.
    /// @return isFallback Whether `sourceWeek != week`.
    function tariffOf(
        uint32 week
    ) external view returns (uint64 importRate, uint64 exportRate, uint32 sourceWeek, bool isFallback);
}
