// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TariffRule} from "../libraries/TariffRule.sol";

/// @dev Test-only: exposes TariffRule so mocha can compare it with lib/tariffs/tariff.ts on random cases.
contract TariffRuleHarness {
    /// @notice TariffRule.rates, reverting on invalid parameters.
    function rates(
        TariffRule.Params memory p,
        uint64 loadWh,
        uint64 generationWh
    ) external pure returns (uint64 importRate, uint64 exportRate, int256 gapBps) {
        TariffRule.requireValid(p);
        (importRate, exportRate) = TariffRule.rates(p, loadWh, generationWh);
        gapBps = TariffRule.gapBps(loadWh, generationWh);
    }
}
