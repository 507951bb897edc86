// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// TEST-ONLY stand-in for one of Billing's dependencies until the real contract lands. It implements the
// interface functions Billing calls (ABI-compatible) without inheriting the interface, so that interface
// growth on other branches does not break it.

/// @dev Published weekly tariffs with the interface's fallback to the last earlier week.
contract StandInTariffSchedule {
    struct Rates {
        uint64 importRate;
        uint64 exportRate;
        bool published;
    }
    mapping(uint32 week => Rates) private _rates;

    error NoTariff(uint32 week);

    function publish(uint32 week, uint64 importRate, uint64 exportRate) external {
        _rates[week] = Rates(importRate, exportRate, true);
    }

    function tariffOf(
        uint32 week
    ) external view returns (uint64 importRate, uint64 exportRate, uint32 sourceWeek, bool isFallback) {
        for (uint32 w = week; ; --w) {
            Rates memory r = _rates[w];
            if (r.published) return (r.importRate, r.exportRate, w, w != week);
            if (w == 0) revert NoTariff(week);
        }
    }
}
