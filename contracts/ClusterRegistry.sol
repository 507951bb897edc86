// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IClusterRegistry} from "./interfaces/IClusterRegistry.sol";
import {IVoterSetSink} from "./interfaces/IVoterSetSink.sol";
import {GridConstants} from "./libraries/GridConstants.sol";
import {NeighbourRanking} from "./libraries/NeighbourRanking.sol";

/// @title ClusterRegistry
/// @notice The grid's topology (SPEC 1, 2, 7): fixed validator nodes, clusters of smart meters with one parent
/// node and up to three neighbour nodes, meter lifecycle (tamper alarm, replacement) and the grid clock.
/// It is also the EIP-712 verifying contract of every meter reading.
contract ClusterRegistry is IClusterRegistry, AccessControl, EIP712 {
    /// @notice Role of the Distribution Generation and Management Department.
    bytes32 public constant DGMD_ROLE = keccak256("DGMD_ROLE");

    /// @notice Role of the contract that checks SPEC 5 evidence of a compromised meter (ReadingEvidence); the
    /// utility grants it once at deployment.
    bytes32 public constant EVIDENCE_ROLE = keccak256("EVIDENCE_ROLE");

    /// @notice EIP-712 type of a meter's own tamper alarm.
    bytes32 public constant TAMPER_ALARM_TYPEHASH = keccak256("TamperAlarm(address meter,uint64 detectedAt)");

    /// @notice Largest number of meters one cluster may hold, fixed at deployment.
    uint32 public immutable maxMetersPerCluster;

    /// @inheritdoc IClusterRegistry
    uint64 public immutable epoch;

    struct Node {
        bool registered;
        int64 x;
        int64 y;
        /// Cluster this node is the parent of (0 = none yet).
        uint32 clusterId;
        /// How many clusters list this node as a neighbour.
        uint32 neighbourOfCount;
    }

    struct Cluster {
        address parent;
        int64 x;
        int64 y;
        uint32 meterCount;
        address[] neighbours;
    }

    mapping(address node => Node) private _nodes;
    address[] private _nodeList;
    mapping(address node => uint256) private _nodeIndex;
    /// @dev Cluster ids run from 1; index 0 is unused so that 0 means "none".
    Cluster[] private _clusters;
    mapping(address meter => MeterInfo) private _meters;
    mapping(uint32 clusterId => address[]) private _clusterMeters;
    mapping(address meter => uint256) private _meterIndex;
    /// @dev The batch ledger voter sets are pushed to (set once, see {setLedger}).
    IVoterSetSink private _ledger;
    /// @dev Who deployed this registry: it may wire the ledger (see {setLedger}).
    address private immutable _deployer;

    /// @param admin The utility: holds DEFAULT_ADMIN_ROLE.
    /// @param dgmd The first DGMD account (may be zero to appoint later).
    /// @param epoch_ Start of period 0: a Monday 00:00 UTC.
    /// @param maxMetersPerCluster_ Deploy-time maximum of meters per cluster (SPEC 1 default: 4).
    constructor(
        address admin,
        address dgmd,
        uint64 epoch_,
        uint32 maxMetersPerCluster_
    ) EIP712("GridShare", "1") {
        if (admin == address(0)) revert ZeroAddress();
        uint256 dayNumber = epoch_ / GridConstants.DAY_SECONDS;
        if (
            epoch_ % GridConstants.DAY_SECONDS != 0 ||
            (dayNumber + GridConstants.MONDAY_OFFSET) % GridConstants.DAYS_PER_WEEK != 0
        ) revert InvalidEpoch(epoch_);
        if (maxMetersPerCluster_ == 0) revert InvalidMaxMeters(maxMetersPerCluster_);
        epoch = epoch_;
        maxMetersPerCluster = maxMetersPerCluster_;
        _deployer = msg.sender;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (dgmd != address(0)) _grantRole(DGMD_ROLE, dgmd);
        _clusters.push(); // id 0 = none
    }

    // --------------------------------------------------------------- wiring

    /// @notice Wire the batch ledger once: from now on every change of a cluster's voters (creation, neighbour
    /// assignment) is pushed to it, and the voter sets of the clusters created so far are pushed now. The
    /// ledger keeps its own copy so that its vote path reads no other contract.
    /// @dev The utility or the account that deployed this registry (a deployment script wires the contracts it
    /// just deployed, from its own account, before any cluster exists); once only.
    /// @param ledger_ The BatchLedger deployed against this registry.
    function setLedger(IVoterSetSink ledger_) external {
        if (msg.sender != _deployer && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, DEFAULT_ADMIN_ROLE);
        }
        if (address(ledger_) == address(0)) revert ZeroAddress();
        if (address(_ledger) != address(0)) revert LedgerAlreadySet(address(_ledger));
        _ledger = ledger_;
        emit LedgerSet(address(ledger_));
        uint256 count = _clusters.length;
        for (uint256 id = 1; id < count; id++) _pushVoters(uint32(id));
    }

    // ---------------------------------------------------------------- nodes

    /// @notice Register a fixed validator node at a location. Utility only.
    /// @param node The node's address (also its Clique signer address).
    /// @param x Integer location, e.g. metres east.
    /// @param y Integer location, e.g. metres north.
    function addNode(address node, int64 x, int64 y) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (node == address(0)) revert ZeroAddress();
        if (_nodes[node].registered) revert NodeAlreadyRegistered(node);
        _nodes[node] = Node({registered: true, x: x, y: y, clusterId: 0, neighbourOfCount: 0});
        _nodeIndex[node] = _nodeList.length;
        _nodeList.push(node);
        emit NodeAdded(node, x, y);
    }

    /// @notice Remove a node that parents no cluster and is nobody's neighbour. Utility only.
    /// @dev The roles it holds for other clusters are reported first: they are what the utility must reassign
    /// before anything else (a neighbour is always another cluster's parent).
    /// @param node The node to remove.
    function removeNode(address node) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Node storage n = _requireNode(node);
        if (n.neighbourOfCount != 0) revert NodeStillNeighbour(node, n.neighbourOfCount);
        if (n.clusterId != 0) revert NodeStillParent(node, n.clusterId);
        delete _nodes[node];
        _swapAndPop(_nodeList, _nodeIndex, node);
        emit NodeRemoved(node);
    }

    // ------------------------------------------------------------- clusters

    /// @notice Create a cluster with its parent node and location. Utility only.
    /// @param parent A registered node that parents no other cluster.
    /// @param x Integer location of the cluster.
    /// @param y Integer location of the cluster.
    /// @return clusterId The new cluster's id (1, 2, ...).
    function createCluster(
        address parent,
        int64 x,
        int64 y
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint32 clusterId) {
        Node storage n = _requireNode(parent);
        if (n.clusterId != 0) revert NodeAlreadyParent(parent, n.clusterId);
        clusterId = uint32(_clusters.length);
        Cluster storage c = _clusters.push();
        c.parent = parent;
        c.x = x;
        c.y = y;
        n.clusterId = clusterId;
        emit ClusterCreated(clusterId, parent, x, y);
        _pushVoters(clusterId);
    }

    /// @notice Assign a cluster's neighbour nodes (replacing the previous ones): exactly SPEC 2's ranking's first
    /// 3, in its order ({rankNeighbours}), so the utility cannot hand-pick a cluster's voters. Utility only.
    /// @dev The structural rules are checked first for a precise refusal; then no listed node may already
    /// neighbour 3 other clusters (SPEC 1); then the list must equal the ranking. The ranking only counts
    /// nodes with a free role, so assignments made one after another fill the roles in order.
    /// @param clusterId The cluster.
    /// @param neighbours The ranking's first 3 (fewer when fewer nodes qualify).
    function setNeighbours(
        uint32 clusterId,
        address[] calldata neighbours
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Cluster storage c = _requireCluster(clusterId);
        if (neighbours.length > GridConstants.MAX_NEIGHBOURS) {
            revert TooManyNeighbours(clusterId, neighbours.length, GridConstants.MAX_NEIGHBOURS);
        }
        for (uint256 i = 0; i < neighbours.length; i++) {
            address nb = neighbours[i];
            if (nb == c.parent) revert NeighbourIsOwnParent(clusterId, nb);
            if (_nodes[nb].clusterId == 0) revert NeighbourNotParent(clusterId, nb);
            for (uint256 j = 0; j < i; j++) {
                if (neighbours[j] == nb) revert DuplicateNeighbour(clusterId, nb);
            }
            if (_rolesElsewhere(c, nb) >= GridConstants.MAX_NEIGHBOUR_ROLES) {
                revert NeighbourRoleLimit(clusterId, nb, GridConstants.MAX_NEIGHBOUR_ROLES);
            }
        }
        address[] memory ranked = _rank(clusterId, c);
        if (keccak256(abi.encode(ranked)) != keccak256(abi.encode(neighbours))) {
            revert NotRankedNeighbours(clusterId, ranked);
        }
        address[] storage old = c.neighbours;
        for (uint256 i = 0; i < old.length; i++) _nodes[old[i]].neighbourOfCount--;
        delete c.neighbours;
        for (uint256 i = 0; i < neighbours.length; i++) {
            c.neighbours.push(neighbours[i]);
            _nodes[neighbours[i]].neighbourOfCount++;
        }
        emit NeighboursSet(clusterId, neighbours);
        _pushVoters(clusterId);
    }

    /// @notice SPEC 2's ranked neighbour choice for a cluster, computed on-chain: the best 3 of the other clusters'
    /// parents that still have a free neighbour role (fewer than 3 other clusters), by distance, then meter count
    /// (more first), then address. What {setNeighbours} accepts. O(number of clusters); a view.
    /// @param clusterId The cluster.
    /// @return ranked Up to 3 node addresses, best first.
    function rankNeighbours(uint32 clusterId) external view returns (address[] memory ranked) {
        return _rank(clusterId, _requireCluster(clusterId));
    }

    function _rank(uint32 clusterId, Cluster storage own) private view returns (address[] memory ranked) {
        NeighbourRanking.Candidate[] memory best = new NeighbourRanking.Candidate[](
            GridConstants.MAX_NEIGHBOURS
        );
        uint256 filled = 0;
        uint256 count = _clusters.length;
        for (uint256 id = 1; id < count; id++) {
            if (id == clusterId) continue;
            Cluster storage other = _clusters[id];
            if (_rolesElsewhere(own, other.parent) >= GridConstants.MAX_NEIGHBOUR_ROLES) continue;
            filled = NeighbourRanking.insert(
                best,
                filled,
                NeighbourRanking.Candidate({
                    node: other.parent,
                    distanceSquared: NeighbourRanking.distanceSquared(own.x, own.y, other.x, other.y),
                    meterCount: other.meterCount
                })
            );
        }
        ranked = new address[](filled);
        for (uint256 i = 0; i < filled; i++) ranked[i] = best[i].node;
    }

    // --------------------------------------------------------------- meters

    /// @notice Add a smart meter (identified by its key's address) to a cluster. Utility only.
    /// @dev A meter key is never reused: a removed or replaced key stays known, so its old readings can't return.
    /// @param clusterId The cluster, which must have room.
    /// @param meter The meter's address.
    /// @param kind Consumer or Prosumer.
    function addMeter(uint32 clusterId, address meter, MeterKind kind) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Cluster storage c = _requireCluster(clusterId);
        if (kind == MeterKind.None) revert InvalidMeterKind(meter);
        _admitMeter(clusterId, c, meter, kind, address(0));
    }

    /// @notice Retire a meter for good (its readings stop counting from the current period). Utility only.
    /// @param meter An active or tampered meter.
    function removeMeter(address meter) external onlyRole(DEFAULT_ADMIN_ROLE) {
        MeterInfo storage m = _requireMeter(meter);
        if (m.status != MeterStatus.Active && m.status != MeterStatus.Tampered)
            revert MeterNotActive(meter, m.status);
        uint32 at = _retire(m, MeterStatus.Removed, currentPeriod());
        _dropFromCluster(m.clusterId, meter);
        emit MeterRemoved(m.clusterId, meter, at);
    }

    /// @notice A meter's own signed tamper alarm (EIP-712 `TamperAlarm(meter, detectedAt)`); anyone may relay it.
    /// @dev SPEC 7: readings are refused from the period holding `detectedAt` on, but never from earlier than the
    /// period before the one in which the alarm arrives (a late relay cannot void settled readings).
    /// @param meter The meter whose seal broke.
    /// @param detectedAt When the meter detected it (not in the future).
    /// @param signature The meter key's 65-byte signature.
    function raiseTamperAlarm(address meter, uint64 detectedAt, bytes calldata signature) external {
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(TAMPER_ALARM_TYPEHASH, meter, detectedAt)));
        address signer = ECDSA.recover(digest, signature);
        if (signer != meter) revert InvalidTamperSignature(meter, signer);
        uint32 current = currentPeriod();
        uint32 earliest = current == 0 ? 0 : current - 1;
        uint32 detected =
            detectedAt <= epoch
                ? 0
                : uint32(Math.min((detectedAt - epoch) / GridConstants.PERIOD_SECONDS, current));
        _markTampered(meter, detectedAt, meter, detected > earliest ? detected : earliest);
    }

    /// @notice The parent node reports a tampered meter of its cluster (e.g. the meter went silent).
    /// @param meter A meter of the caller's cluster.
    function reportTamper(address meter) external {
        MeterInfo storage m = _requireMeter(meter);
        if (_clusters[m.clusterId].parent != msg.sender) revert NotParentOfMeter(msg.sender, meter);
        // Time by design: the period clock is block time (SPEC 3).
        // solhint-disable-next-line not-rely-on-time
        _markTampered(meter, uint64(block.timestamp), msg.sender, currentPeriod());
    }

    /// @inheritdoc IClusterRegistry
    function markCompromised(
        address meter,
        uint32 fromPeriod,
        address prover
    ) external onlyRole(EVIDENCE_ROLE) {
        MeterInfo storage m = _requireMeter(meter);
        if (fromPeriod >= m.untilPeriod) revert AlreadyCutOff(meter, m.untilPeriod);
        m.untilPeriod = fromPeriod;
        if (m.status == MeterStatus.Active) m.status = MeterStatus.Tampered;
        emit MeterCompromised(m.clusterId, meter, fromPeriod, prover);
    }

    /// @notice Replace a tampered meter, or a faulty one retired with {removeMeter}, with a new one under a work
    /// permit. Utility only.
    /// @dev A healthy (active) meter is refused: its readings would stop counting without an alarm or a
    /// retirement on record. The new meter joins the same cluster with the same kind; certificates do not follow
    /// it until the DGMD re-confirms them (see CapacityCertificates).
    /// @param oldMeter The meter being replaced: tampered or removed.
    /// @param newMeter The new meter's key address (never seen before).
    /// @param workPermit Reference of the inspection team's work permit.
    function replaceMeter(
        address oldMeter,
        address newMeter,
        string calldata workPermit
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        MeterInfo storage m = _requireMeter(oldMeter);
        MeterStatus status = m.status;
        if (status != MeterStatus.Tampered && status != MeterStatus.Removed) {
            revert MeterNotReplaceable(oldMeter, status);
        }
        if (bytes(workPermit).length == 0) revert EmptyWorkPermit();
        uint32 clusterId = m.clusterId;
        MeterKind kind = m.kind;
        uint32 at = _retire(m, MeterStatus.Replaced, currentPeriod());
        m.replacedBy = newMeter;
        // A removed meter left its cluster's list already.
        if (status == MeterStatus.Tampered) _dropFromCluster(clusterId, oldMeter);
        _admitMeter(clusterId, _clusters[clusterId], newMeter, kind, oldMeter);
        emit MeterReplaced(clusterId, oldMeter, newMeter, workPermit, at);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IClusterRegistry
    function currentPeriod() public view returns (uint32) {
        // Time by design: the period clock is block time (SPEC 3).
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp < epoch) revert BeforeEpoch(block.timestamp, epoch);
        // solhint-disable-next-line not-rely-on-time
        return uint32((block.timestamp - epoch) / GridConstants.PERIOD_SECONDS);
    }

    /// @inheritdoc IClusterRegistry
    function meterInfo(address meter) external view returns (MeterInfo memory) {
        return _meters[meter];
    }

    /// @inheritdoc IClusterRegistry
    function isReadingAllowed(address meter, uint32 clusterId, uint32 period) external view returns (bool) {
        MeterInfo storage m = _meters[meter];
        return m.clusterId == clusterId && clusterId != 0 && period >= m.fromPeriod && period < m.untilPeriod;
    }

    /// @inheritdoc IClusterRegistry
    function parentOf(uint32 clusterId) external view returns (address) {
        return clusterId < _clusters.length ? _clusters[clusterId].parent : address(0);
    }

    /// @inheritdoc IClusterRegistry
    function neighboursOf(uint32 clusterId) external view returns (address[] memory) {
        return _requireCluster(clusterId).neighbours;
    }

    /// @inheritdoc IClusterRegistry
    function votersOf(uint32 clusterId) public view returns (address[] memory voters) {
        Cluster storage c = _requireCluster(clusterId);
        voters = new address[](c.neighbours.length + 1);
        voters[0] = c.parent;
        for (uint256 i = 0; i < c.neighbours.length; i++) voters[i + 1] = c.neighbours[i];
    }

    /// @notice The batch ledger voter sets are pushed to (zero until {setLedger}).
    function ledger() external view returns (address) {
        return address(_ledger);
    }

    /// @inheritdoc IClusterRegistry
    function clusterOfNode(address node) external view returns (uint32) {
        return _nodes[node].clusterId;
    }

    /// @inheritdoc IClusterRegistry
    function clusterCount() external view returns (uint32) {
        return uint32(_clusters.length - 1);
    }

    /// @notice Every registered node (unordered).
    function nodes() external view returns (address[] memory) {
        return _nodeList;
    }

    /// @notice A node's record.
    /// @return registered Whether the node is registered.
    /// @return x Location.
    /// @return y Location.
    /// @return clusterId Cluster it parents (0 = none).
    /// @return neighbourOfCount How many clusters list it as a neighbour.
    function nodeInfo(
        address node
    ) external view returns (bool registered, int64 x, int64 y, uint32 clusterId, uint32 neighbourOfCount) {
        Node storage n = _nodes[node];
        return (n.registered, n.x, n.y, n.clusterId, n.neighbourOfCount);
    }

    /// @notice A cluster's record.
    /// @return parent Parent node.
    /// @return x Location.
    /// @return y Location.
    /// @return meterCount Active meters (tampered meters count until removed or replaced).
    /// @return neighbours Assigned neighbour nodes.
    function clusterInfo(
        uint32 clusterId
    )
        external
        view
        returns (address parent, int64 x, int64 y, uint32 meterCount, address[] memory neighbours)
    {
        Cluster storage c = _requireCluster(clusterId);
        return (c.parent, c.x, c.y, c.meterCount, c.neighbours);
    }

    /// @notice The meters currently in a cluster (unordered; readings are ordered by address off-chain).
    function metersOf(uint32 clusterId) external view returns (address[] memory) {
        _requireCluster(clusterId);
        return _clusterMeters[clusterId];
    }

    /// @inheritdoc IClusterRegistry
    function hashTypedData(bytes32 structHash) external view returns (bytes32) {
        return _hashTypedDataV4(structHash);
    }

    /// @inheritdoc IClusterRegistry
    function isDgmd(address account) external view returns (bool) {
        return hasRole(DGMD_ROLE, account);
    }

    /// @inheritdoc IClusterRegistry
    function isUtility(address account) external view returns (bool) {
        return hasRole(DEFAULT_ADMIN_ROLE, account);
    }

    // ------------------------------------------------------------- internal

    function _admitMeter(
        uint32 clusterId,
        Cluster storage c,
        address meter,
        MeterKind kind,
        address replaces
    ) private {
        if (meter == address(0)) revert ZeroAddress();
        if (_meters[meter].status != MeterStatus.None) revert MeterAlreadyKnown(meter);
        if (c.meterCount >= maxMetersPerCluster) revert ClusterFull(clusterId, maxMetersPerCluster);
        uint32 from = currentPeriod();
        _meters[meter] = MeterInfo({
            clusterId: clusterId,
            kind: kind,
            status: MeterStatus.Active,
            fromPeriod: from,
            untilPeriod: GridConstants.OPEN_END,
            replacedBy: address(0),
            replaces: replaces
        });
        _meterIndex[meter] = _clusterMeters[clusterId].length;
        _clusterMeters[clusterId].push(meter);
        c.meterCount++;
        emit MeterAdded(clusterId, meter, kind, from);
    }

    /// @dev Voters changed: tell the ledger (after this contract's own state is final).
    function _pushVoters(uint32 clusterId) private {
        if (address(_ledger) != address(0)) _ledger.setVoters(clusterId, votersOf(clusterId));
    }

    function _markTampered(address meter, uint64 detectedAt, address reporter, uint32 cutoff) private {
        MeterInfo storage m = _requireMeter(meter);
        if (m.status != MeterStatus.Active) revert MeterNotActive(meter, m.status);
        // Time by design: the period clock is block time (SPEC 3).
        // solhint-disable-next-line not-rely-on-time
        if (detectedAt > block.timestamp) revert AlarmInFuture(detectedAt, block.timestamp);
        uint32 at = _retire(m, MeterStatus.Tampered, cutoff);
        emit TamperAlarm(m.clusterId, meter, reporter, detectedAt, at);
    }

    /// @dev Readings stop counting from `at` (at the latest): a replacement or removal passes the current period,
    /// whose reading is not signed yet, so none can be trusted; a tamper alarm may pass the period before.
    function _retire(MeterInfo storage m, MeterStatus status, uint32 at) private returns (uint32) {
        if (at < m.untilPeriod) m.untilPeriod = at;
        m.status = status;
        return m.untilPeriod;
    }

    /// @dev How many clusters other than `c` list `node` as a neighbour (a role held for `c` itself is free to
    /// be reassigned). At most 3 iterations.
    function _rolesElsewhere(Cluster storage c, address node) private view returns (uint256 roles) {
        roles = _nodes[node].neighbourOfCount;
        address[] storage current = c.neighbours;
        for (uint256 i = 0; i < current.length; i++) if (current[i] == node) return roles - 1;
    }

    function _dropFromCluster(uint32 clusterId, address meter) private {
        _swapAndPop(_clusterMeters[clusterId], _meterIndex, meter);
        _clusters[clusterId].meterCount--;
    }

    /// @dev Removes `item` from an unordered list in O(1): the last element takes its place. `indexOf` holds each
    /// element's position in `list` and is kept in step.
    function _swapAndPop(
        address[] storage list,
        mapping(address => uint256) storage indexOf,
        address item
    ) private {
        uint256 i = indexOf[item];
        address last = list[list.length - 1];
        list[i] = last;
        indexOf[last] = i;
        list.pop();
        delete indexOf[item];
    }

    function _requireNode(address node) private view returns (Node storage n) {
        n = _nodes[node];
        if (!n.registered) revert UnknownNode(node);
    }

    function _requireCluster(uint32 clusterId) private view returns (Cluster storage) {
        if (clusterId == 0 || clusterId >= _clusters.length) revert UnknownCluster(clusterId);
        return _clusters[clusterId];
    }

    function _requireMeter(address meter) private view returns (MeterInfo storage m) {
        m = _meters[meter];
        if (m.status == MeterStatus.None) revert UnknownMeter(meter);
    }
}
