// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClusterRegistry} from "./IClusterRegistry.sol";
import {IGridShareErrors} from "./IGridShareErrors.sol";

/// @title ICapacityCertificates
/// @notice What billing reads from the DGMD's capacity certificates (SPEC 8), and the events and errors of the
/// certificates contract.
interface ICapacityCertificates is IGridShareErrors {
    /// @dev A certificate id's state: unused, submitted, or cancelled by the DGMD before anyone submitted it.
    enum CertStatus {
        None,
        Submitted,
        Cancelled
    }

    /// @dev Periods `[fromPeriod, untilPeriod)` in which a meter may supply with `capacityW`, and when the
    /// certificate behind it was issued (its validFrom). One storage slot.
    struct Authorization {
        uint64 capacityW;
        uint32 fromPeriod;
        uint32 untilPeriod;
        uint64 issuedAt;
    }

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
    /// @notice The DGMD cancelled a certificate id nobody had submitted: a certificate with it is refused.
    event CertificateCancelled(bytes32 indexed certId);
    /// @notice The DGMD carried the old meter's certified capacity over to its replacement.
    event ReplacementReconfirmed(
        address indexed oldMeter,
        address indexed newMeter,
        uint64 capacityW,
        uint32 fromPeriod,
        uint32 untilPeriod
    );
    /// @notice The DGMD changed the tolerance over installed capacity (basis points) from `fromPeriod` on.
    event ToleranceSet(uint16 oldBps, uint16 newBps, uint32 fromPeriod);
    /// @notice Fraud proof: `meter`'s peak exceeded its capacity plus the tolerance of that period; it may no
    /// longer supply from `fromPeriod` on, until a certificate issued after that period's start is submitted.
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
    /// @dev The DGMD cancelled this certificate id before anyone submitted it.
    error CertIdCancelled(bytes32 certId);
    /// @dev validFrom is the issue time: a certificate cannot be submitted before it is issued.
    error NotYetIssued(bytes32 certId, uint64 validFrom, uint256 nowTimestamp);
    /// @dev Issued at or before the meter's latest revocation, deauthorization or replacement (`voidThrough`).
    error CertificateVoided(bytes32 certId, uint64 validFrom, uint64 voidThrough);
    /// @dev The meter already holds a certificate issued at this time: issue order must be unambiguous.
    error IssueTimeTaken(address meter, uint64 issuedAt);
    /// @dev The proven reading is older than the retention window (SPEC 3: 13 weeks).
    error ReadingTooOld(address meter, uint32 period, uint32 currentPeriod);
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

    /// @notice The tolerance over installed capacity in force in the current period, in basis points
    /// (1000..1500 = 10%..15%).
    function toleranceBps() external view returns (uint16);

    /// @notice The tolerance in force in `period` (what a fraud proof of a reading of that period applies).
    function toleranceAt(uint32 period) external view returns (uint16);
}
