// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {BillMath} from "../../contracts/libraries/BillMath.sol";

/// @dev SPEC 11 bill lines in Solidity against the shared vectors written by lib/billing/billing.ts.
contract BillMathTest is Base {
    function testSharedVectors() public view {
        string memory json = vm.readFile("test/vectors/billing.json");
        uint256[] memory psa = vm.parseJsonUintArray(json, ".psa");
        uint256[] memory cap = vm.parseJsonUintArray(json, ".capacityW");
        uint256[] memory imp = vm.parseJsonUintArray(json, ".importWh");
        uint256[] memory exp = vm.parseJsonUintArray(json, ".exportWh");
        uint256[] memory ir = vm.parseJsonUintArray(json, ".importRate");
        uint256[] memory er = vm.parseJsonUintArray(json, ".exportRate");
        uint256[] memory allowed = vm.parseJsonUintArray(json, ".allowedWh");
        uint256[] memory credited = vm.parseJsonUintArray(json, ".creditedExportWh");
        uint256[] memory charge = vm.parseJsonUintArray(json, ".charge");
        uint256[] memory credit = vm.parseJsonUintArray(json, ".credit");
        int256[] memory net = vm.parseJsonIntArray(json, ".net");
        assertTrue(psa.length >= 250, "at least 250 vectors");
        for (uint256 i; i < psa.length; ++i) {
            uint256 a = BillMath.allowedExportWh(psa[i], cap[i]);
            assertEq(a, allowed[i], "allowedWh");
            BillMath.Line memory l = BillMath.line(imp[i], exp[i], a, ir[i], er[i]);
            assertEq(l.creditedExportWh, credited[i], "creditedExportWh");
            assertEq(l.charge, charge[i], "charge");
            assertEq(l.credit, credit[i], "credit");
            assertTrue(BillMath.net(l.charge, l.credit) == net[i], "net");
        }
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
