// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ICapacityCertificates
/// @notice What billing reads from the DGMD's capacity certificates (SPEC 8).
interface ICapacityCertificates {
    /// @notice The certified capacity (W) a prosumer may supply with in `period`: 0 when it holds no valid,
    /// unrevoked certificate covering that period, or was deauthorized (over-capacity proof) by then.
    function authorizedCapacityAt(address meter, uint32 period) external view returns (uint64 capacityW);

    /// @notice Current tolerance over installed capacity, in basis points (1000..1500 = 10%..15%).
    function toleranceBps() external view returns (uint16);
}
