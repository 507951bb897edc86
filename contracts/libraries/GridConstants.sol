// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title GridConstants
/// @notice Rules fixed by SPEC.md, in one place. The TypeScript twins live in lib/constants.ts.
library GridConstants {
    /// @dev SPEC 3: a period is 4 hours, 6 a day.
    uint256 internal constant PERIOD_SECONDS = 14_400;
    /// @dev SPEC 3: a week is 42 periods.
    uint256 internal constant PERIODS_PER_WEEK = 42;
    /// @dev SPEC 3: raw data is kept 13 weeks.
    uint256 internal constant RETENTION_PERIODS = 13 * 42;
    /// @dev SPEC 2: at most 3 neighbour nodes per cluster.
    uint256 internal constant MAX_NEIGHBOURS = 3;
    /// @dev SPEC 1, 2: a node is the neighbour of at most 3 clusters.
    uint256 internal constant MAX_NEIGHBOUR_ROLES = 3;
    /// @dev SPEC 10: 18-decimal fixed point.
    uint256 internal constant FIXED_ONE = 1e18;
    /// @dev Basis points (tolerances, tariff sensitivity): 10000 = 100%.
    uint256 internal constant BPS = 10_000;
    /// @dev Seconds in a day; the epoch must fall on a day boundary.
    uint256 internal constant DAY_SECONDS = 86_400;
    /// @dev 1970-01-01 was a Thursday: day `d` is a Monday when `(d + 3) % 7 == 0`.
    uint256 internal constant MONDAY_OFFSET = 3;
    uint256 internal constant DAYS_PER_WEEK = 7;
    /// @dev "Until forever": a meter's validity ends at this period when it was never retired.
    uint32 internal constant OPEN_END = type(uint32).max;
    /// @dev SPEC 4: hours in a period; a period's energy is at most its peak power for this long.
    uint256 internal constant PERIOD_HOURS = 4;
    /// @dev Largest power (W) a meter may report (low-voltage connection); twin of lib/constants.ts.
    uint32 internal constant MAX_METER_POWER_W = 250_000;
}
