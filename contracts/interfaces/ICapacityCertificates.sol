// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClusterRegistry} from "./IClusterRegistry.sol";
import {IGridShareErrors} from "./IGridShareErrors.sol";

/// @title ICapacityCertificates
/// @notice What billing reads from the DGMD's capacity certificates (SPEC 8), and the events and errors of the
/// certificates contract.
interface ICapacityCertificates is IGridShareErrors {
    /// @notice A DGMD-signed certificate authorizes `meter` for periods `[fromPeriod, untilPeriod)`.
    event CertificateSubmitted(
        bytes32 indexed certId,
        address indexed meter,
        uint64 installedCapacityW,
        bytes32 infoCommitment,
        uint32 fromPeriod,
        uint32 untilPeriod,
        address signer
    );
    /// @notice A certificate (or all of a meter's: `certId` zero) stops counting from `fromPeriod` on.
    event CertificateRevoked(address indexed meter, bytes32 indexed certId, uint32 fromPeriod);
    /// @notice The DGMD carried the old meter's certified capacity over to its replacement.
    event ReplacementReconfirmed(
        address indexed oldMeter,
        address indexed newMeter,
        uint64 capacityW,
        uint32 fromPeriod,
        uint32 untilPeriod
    );
    /// @notice The DGMD changed the tolerance over installed capacity (basis points).
    event ToleranceSet(uint16 oldBps, uint16 newBps);
    /// @notice Fraud proof: `meter`'s peak exceeded its capacity plus tolerance; it may no longer supply from
    /// `fromPeriod` on, until a new certificate is submitted.
    event ProsumerDeauthorized(
        address indexed meter,
        uint32 indexed fromPeriod,
        uint32 peakGenerationW,
        uint64 installedCapacityW,
        uint16 toleranceBps,
        address indexed prover
    );

    /// @dev The certificate's signature is malformed (not a valid 65-byte ECDSA signature).
    error InvalidCertificateSignature(bytes signature);
    error SignerNotDgmd(address signer);
    error CertificateExpired(bytes32 certId, uint64 validUntil, uint256 nowTimestamp);
    error InvalidValidityWindow(bytes32 certId, uint64 validFrom, uint64 validUntil);
    error CertIdUsed(bytes32 certId);
    error ZeroCertId();
    error ZeroCapacity(address meter);
    /// @dev The registry does not list `meter` as an active prosumer (unknown, consumer, tampered, replaced...).
    error MeterNotEligible(
        address meter,
        IClusterRegistry.MeterKind kind,
        IClusterRegistry.MeterStatus status
    );
    error UnknownCertificate(bytes32 certId);
    error NothingToRevoke(address meter, uint32 fromPeriod);
    error NotAReplacement(address meter);
    error AlreadyCertified(address meter);
    error NothingToReconfirm(address oldMeter, uint32 atPeriod);
    /// @dev SPEC 8: the tolerance lies within 10%..15%.
    error ToleranceOutOfRange(uint16 bps, uint16 minBps, uint16 maxBps);
    /// @dev The proven reading's meter held no authorization in its period: nothing to deauthorize.
    error NotAuthorizedAt(address meter, uint32 period);
    /// @dev The proven reading is within tolerance: `peak * 10000 <= capacity * (10000 + tolerance)`.
    error NotOverCapacity(
        address meter,
        uint32 period,
        uint32 peakGenerationW,
        uint64 capacityW,
        uint16 toleranceBps
    );

    /// @notice The certified capacity (W) a prosumer may supply with in `period`: 0 when it holds no valid,
    /// unrevoked certificate covering that period, or was deauthorized (over-capacity proof) by then.
    function authorizedCapacityAt(address meter, uint32 period) external view returns (uint64 capacityW);

    /// @notice Current tolerance over installed capacity, in basis points (1000..1500 = 10%..15%).
    function toleranceBps() external view returns (uint16);
}
