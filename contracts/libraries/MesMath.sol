// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {GridConstants} from "./GridConstants.sol";

/// @title MesMath
/// @notice SPEC 10, the Magnitude of Energy Share, in 18-decimal fixed point. Twin of lib/mes.ts.
library MesMath {
    /// @dev Percentage share allocation: 1.0 when generation does not exceed load, else L / G, rounded down.
    function psa(uint256 loadWh, uint256 generationWh) internal pure returns (uint256) {
        if (generationWh <= loadWh) return GridConstants.FIXED_ONE;
        return Math.mulDiv(loadWh, GridConstants.FIXED_ONE, generationWh, Math.Rounding.Floor);
    }

    /// @dev MES_i = PSA * capacity_i, rounded down, so MES_i <= capacity_i.
    function mes(uint256 psa_, uint256 capacityW) internal pure returns (uint256) {
        return Math.mulDiv(psa_, capacityW, GridConstants.FIXED_ONE, Math.Rounding.Floor);
    }
}
