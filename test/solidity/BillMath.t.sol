// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {BillMath} from "../../contracts/libraries/BillMath.sol";
import {MesMath} from "../../contracts/libraries/MesMath.sol";

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
