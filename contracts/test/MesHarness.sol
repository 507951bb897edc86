// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MesMath} from "../libraries/MesMath.sol";
import {BillMath} from "../libraries/BillMath.sol";

/// @dev TEST-ONLY: exposes MesMath and BillMath in batches so that the TS twin can be compared on thousands of
/// cases in a few eth_calls.
contract MesHarness {
    error LengthMismatch(uint256 a, uint256 b);

    /// @notice psa, decrementalFactor for each (load, generation) pair.
    function psaMany(
        uint256[] calldata loadWh,
        uint256[] calldata generationWh
    ) external pure returns (uint256[] memory psas, uint256[] memory dfs) {
        if (loadWh.length != generationWh.length) revert LengthMismatch(loadWh.length, generationWh.length);
        psas = new uint256[](loadWh.length);
        dfs = new uint256[](loadWh.length);
        for (uint256 i; i < loadWh.length; ++i) {
            psas[i] = MesMath.psa(loadWh[i], generationWh[i]);
            dfs[i] = MesMath.decrementalFactor(loadWh[i], generationWh[i]);
        }
    }

    /// @notice mes and allowed export (Wh per period) of each capacity under one PSA.
    function sharesOf(
        uint256 psa,
        uint256[] calldata capacityW
    ) external pure returns (uint256[] memory mesW, uint256[] memory allowedWh) {
        mesW = new uint256[](capacityW.length);
        allowedWh = new uint256[](capacityW.length);
        for (uint256 i; i < capacityW.length; ++i) {
            mesW[i] = MesMath.mes(psa, capacityW[i]);
            allowedWh[i] = BillMath.allowedExportWh(psa, capacityW[i]);
        }
    }
}
