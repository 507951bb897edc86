// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// TEST-ONLY stand-in for one of Billing's dependencies until the real contract lands. It implements the
// interface functions Billing calls (ABI-compatible) without inheriting the interface, so that interface
// growth on other branches does not break it.

/// @dev Capacity per meter, with an optional deauthorization period from which it is 0.
contract StandInCapacityCertificates {
    struct Cap {
        uint64 capacityW;
        uint32 deauthorizedFrom;
    }
    mapping(address meter => Cap) private _caps;

    function setCapacity(address meter, uint64 capacityW, uint32 deauthorizedFrom) external {
        _caps[meter] = Cap(capacityW, deauthorizedFrom);
    }

    function authorizedCapacityAt(address meter, uint32 period) external view returns (uint64) {
        Cap memory c = _caps[meter];
        return period >= c.deauthorizedFrom ? 0 : c.capacityW;
    }

    function toleranceBps() external pure returns (uint16) {
        return 1000;
    }
}
