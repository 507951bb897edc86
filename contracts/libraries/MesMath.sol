// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {GridConstants} from "./GridConstants.sol";

/// @title MesMath
/// @notice SPEC 10, the Magnitude of Energy Share, in 18-decimal fixed point (1e18 = 1.0). Twin of lib/mes/mes.ts;
/// both are pinned by test/vectors/mes.json and a 10,000-case randomized comparison.
library MesMath {
    /// @dev Percentage share allocation: 1.0 when generation does not exceed load, else L / G, rounded down.
    function psa(uint256 loadWh, uint256 generationWh) internal pure returns (uint256) {
        if (generationWh <= loadWh) return GridConstants.FIXED_ONE;
        return Math.mulDiv(loadWh, GridConstants.FIXED_ONE, generationWh, Math.Rounding.Floor);
    }

    /// @dev Decremental factor DF = (G - L) / G, defined as exactly `1.0 - psa` so that PSA + DF == 1.0 holds
    /// in fixed point too (DF is therefore rounded up, the conservative side for curtailment). 0 when G <= L.
    function decrementalFactor(uint256 loadWh, uint256 generationWh) internal pure returns (uint256) {
        return GridConstants.FIXED_ONE - psa(loadWh, generationWh);
    }

    /// @dev MES_i = PSA * capacity_i, rounded down, so MES_i <= capacity_i.
    function mes(uint256 psa_, uint256 capacityW) internal pure returns (uint256) {
        return Math.mulDiv(psa_, capacityW, GridConstants.FIXED_ONE, Math.Rounding.Floor);
    }
}
