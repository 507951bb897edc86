// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {BillMath} from "../../contracts/libraries/BillMath.sol";
import {MesMath} from "../../contracts/libraries/MesMath.sol";
import {ITariffSchedule} from "../../contracts/interfaces/ITariffSchedule.sol";

/// @dev SPEC 11 bill lines in Solidity against the shared vectors written by lib/billing/billing.ts.
contract BillMathTest is Base {
    /// @dev test/vectors/billing.json: one array per field, row i across them is one case.
    struct Vectors {
        uint256[] psa;
        uint256[] capacityW;
        uint256[] importWh;
        uint256[] exportWh;
        uint256[] importRate;
        uint256[] exportRate;
        uint256[] allowedWh;
        uint256[] creditedExportWh;
        uint256[] charge;
        uint256[] credit;
        int256[] net;
    }

    string private constant VECTORS_TYPE =
        "Vectors(uint256[] psa,uint256[] capacityW,uint256[] importWh,uint256[] exportWh,uint256[] importRate,"
        "uint256[] exportRate,uint256[] allowedWh,uint256[] creditedExportWh,uint256[] charge,uint256[] credit,"
        "int256[] net)";

    function testSharedVectors() public view {
        Vectors memory v = abi.decode(readVectors("test/vectors/billing.json", VECTORS_TYPE), (Vectors));
        assertTrue(v.psa.length >= 250, "at least 250 vectors");
        for (uint256 i; i < v.psa.length; ++i) {
            uint256 a = BillMath.allowedExportWh(v.psa[i], v.capacityW[i]);
            assertEq(a, v.allowedWh[i], "allowedWh");
            BillMath.Line memory l = BillMath.line(
                v.importWh[i],
                v.exportWh[i],
                a,
                v.importRate[i],
                v.exportRate[i]
            );
            assertEq(l.creditedExportWh, v.creditedExportWh[i], "creditedExportWh");
            assertEq(l.charge, v.charge[i], "charge");
            assertEq(l.credit, v.credit[i], "credit");
            assertTrue(BillMath.net(l.charge, l.credit) == v.net[i], "net");
        }
    }

    /// @dev test/vectors/curtailment.json: the paid-export cap of a period under each rule.
    struct CurtailmentVectors {
        uint256[] rule;
        uint256[] psa;
        uint256[] capacityW;
        uint256[] generationWh;
        uint256[] allowedWh;
    }

    string private constant CURTAILMENT_TYPE =
        "CurtailmentVectors(uint256[] rule,uint256[] psa,uint256[] capacityW,uint256[] generationWh,"
        "uint256[] allowedWh)";

    function testCurtailmentVectors() public view {
        CurtailmentVectors memory v = abi.decode(
            readVectors("test/vectors/curtailment.json", CURTAILMENT_TYPE),
            (CurtailmentVectors)
        );
        assertTrue(v.rule.length >= 300, "at least 300 vectors");
        for (uint256 i; i < v.rule.length; ++i) {
            uint256 a = BillMath.allowedExportWhUnder(
                ITariffSchedule.CurtailmentRule(v.rule[i]),
                v.psa[i],
                v.capacityW[i],
                v.generationWh[i]
            );
            assertEq(a, v.allowedWh[i], "allowedWh");
        }
    }

    /// @dev The generation rule binds a cluster of four authorized prosumers: in a surplus the shares sum to
    /// the load, short by at most 1 Wh per prosumer (PSA and each share are rounded down); otherwise every
    /// prosumer's share is its whole generation.
    function testFuzzGenerationRuleBindsToLoad(
        uint48 loadWh,
        uint48 g0,
        uint48 g1,
        uint48 g2,
        uint48 g3
    ) public pure {
        uint256[4] memory gen = [uint256(g0), g1, g2, g3];
        uint256 total = gen[0] + gen[1] + gen[2] + gen[3];
        uint256 psa = MesMath.psa(loadWh, total);
        uint256 allowed;
        for (uint256 i; i < gen.length; ++i) {
            uint256 a = BillMath.allowedExportWhUnder(
                ITariffSchedule.CurtailmentRule.Generation,
                psa,
                1,
                gen[i]
            );
            assertLe(a, gen[i], "share <= generation");
            allowed += a;
        }
        if (total > loadWh) {
            assertLe(allowed, loadWh, "allowed supply <= load");
            assertLe(loadWh - allowed, gen.length, "short of the load by rounding only");
        } else {
            assertEq(allowed, total, "no surplus: all generation allowed");
        }
    }

    /// @dev SPEC 11 (issue 16, finding 8): paid export is `MES_i * 4 h` with the MES the public view shows
    /// (rounded down to a watt first), so a bill is recomputable from `Billing.mesOf`.
    function testFuzzPaidShareIsTheViewsMesTimesFourHours(uint64 psaRaw, uint64 cap) public pure {
        uint256 psa = uint256(psaRaw) % (1e18 + 1);
        assertEq(
            BillMath.allowedExportWh(psa, cap),
            MesMath.mes(psa, cap) * BillMath.PERIOD_HOURS,
            "allowed = view's MES x 4 h"
        );
        // 0.3 x 1 W: the view shows 0 W, so nothing is paid (not floor(1.2) = 1 Wh).
        assertEq(BillMath.allowedExportWh(0.3e18, 1), 0, "0.3 W rounds to a 0 W share");
    }

    function testFuzzCreditNeverExceedsShare(uint64 psaRaw, uint64 cap, uint64 exp, uint64 rate) public pure {
        uint256 psa = uint256(psaRaw) % (1e18 + 1);
        uint256 a = BillMath.allowedExportWh(psa, cap);
        BillMath.Line memory l = BillMath.line(0, exp, a, 0, rate);
        assertLe(l.creditedExportWh, exp, "credited <= exported");
        assertLe(l.creditedExportWh, a, "credited <= allowed share");
        assertEq(l.credit, l.creditedExportWh * rate, "credit = credited Wh x rate");
    }
}
