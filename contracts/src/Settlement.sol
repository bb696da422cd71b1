// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title Replex settlement contract
/// @notice Holds the Replex validator set (2f+1 of 3f+1 threshold), accepts the
/// chain of settlement batches signed by that set, custodies deposits and pays
/// out withdrawals proven against a settled batch's withdrawals Merkle root.
/// @dev There is no owner, admin, upgrade path or pause switch. The only way to
/// change anything is a message signed by a threshold of the current validators.
contract Settlement is EIP712, ReentrancyGuard {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------
    // Types
    // ------------------------------------------------------------------

    /// @notice One settlement batch. Its EIP-712 struct hash is the batch root.
    struct Batch {
        uint64 number;
        uint64 fromHeight;
        uint64 toHeight;
        bytes32 prevRoot;
        bytes32 tradesRoot;
        bytes32 deltasHash;
        bytes32 withdrawalsRoot;
    }

    /// @notice Net balance change of one Replex account in one token over a batch.
    struct Delta {
        bytes32 account;
        address token;
        int256 amount;
    }

    /// @notice A withdrawal payable once its batch is settled. `token == address(0)` is ETH.
    struct Withdrawal {
        uint64 id;
        address recipient;
        address token;
        uint256 amount;
    }

    /// @notice What is kept of every settled batch.
    struct BatchInfo {
        bytes32 root;
        uint64 fromHeight;
        uint64 toHeight;
        bytes32 withdrawalsRoot;
    }

    bytes32 public constant BATCH_TYPEHASH = keccak256(
        "Batch(uint64 number,uint64 fromHeight,uint64 toHeight,bytes32 prevRoot,bytes32 tradesRoot,bytes32 deltasHash,bytes32 withdrawalsRoot)"
    );

    bytes32 public constant VALIDATOR_SET_UPDATE_TYPEHASH =
        keccak256("ValidatorSetUpdate(uint64 setId,address[] validators,uint256 threshold)");

    // ------------------------------------------------------------------
    // State
    // ------------------------------------------------------------------

    address[] private _validators;
    mapping(address => bool) public isValidator;
    uint256 public threshold;
    uint64 public setId;

    uint64 public lastBatchNumber;
    bytes32 public lastBatchRoot;
    uint64 public lastToHeight;
    mapping(uint64 => BatchInfo) public batches;

    mapping(uint64 => bool) public claimed;
    uint64 public nextDepositId = 1;

    // ------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------

    event ValidatorSetUpdated(uint64 indexed setId, address[] validators, uint256 threshold);
    event BatchSettled(
        uint64 indexed number,
        bytes32 root,
        uint64 fromHeight,
        uint64 toHeight,
        bytes32 tradesRoot,
        bytes32 withdrawalsRoot
    );
    event BalanceDelta(uint64 indexed batch, bytes32 indexed account, address token, int256 amount);
    event Deposit(address indexed token, uint256 amount, bytes32 indexed replexAccount, uint64 depositId);
    event Claimed(
        uint64 indexed withdrawalId, uint64 indexed batch, address indexed recipient, address token, uint256 amount
    );

    // ------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------

    error WrongBatchNumber(uint64 expected, uint64 got);
    error WrongPrevRoot();
    error WrongHeightRange();
    error WrongDeltasHash();

    error InvalidSignature();
    error NotValidator(address signer);
    error SignersNotAscending();
    error NotEnoughSignatures(uint256 got, uint256 need);

    error EmptyValidatorSet();
    error ZeroAddressValidator();
    error ValidatorsNotAscending();
    error InvalidThreshold(uint256 threshold, uint256 validatorCount);

    error UnknownBatch(uint64 batch);
    error InvalidProof();
    error AlreadyClaimed(uint64 withdrawalId);
    error EthTransferFailed();

    error ZeroAmount();
    error ZeroReplexAccount();
    error ZeroToken();

    // ------------------------------------------------------------------
    // Construction and validator set
    // ------------------------------------------------------------------

    /// @param initialValidators strictly ascending, non-zero validator addresses (at least one)
    /// @param initialThreshold  signatures required: threshold*3 > 2*n and threshold <= n
    constructor(address[] memory initialValidators, uint256 initialThreshold) EIP712("ReplexSettlement", "1") {
        _setValidators(initialValidators, initialThreshold);
        emit ValidatorSetUpdated(0, initialValidators, initialThreshold);
    }

    /// @notice Replace the validator set. Signed by `threshold` of the current
    /// validators over ValidatorSetUpdate(setId + 1, newValidators, newThreshold).
    function updateValidatorSet(address[] calldata newValidators, uint256 newThreshold, bytes[] calldata signatures)
        external
    {
        uint64 newSetId = setId + 1;
        _checkSignatures(validatorSetDigest(newSetId, newValidators, newThreshold), signatures);
        _setValidators(newValidators, newThreshold);
        setId = newSetId;
        emit ValidatorSetUpdated(newSetId, newValidators, newThreshold);
    }

    function _setValidators(address[] memory vs, uint256 t) private {
        uint256 n = vs.length;
        if (n == 0) revert EmptyValidatorSet();
        if (t > n || t * 3 <= 2 * n) revert InvalidThreshold(t, n);

        address[] storage old = _validators;
        for (uint256 i = 0; i < old.length; ++i) {
            isValidator[old[i]] = false;
        }

        address prev = address(0);
        for (uint256 i = 0; i < n; ++i) {
            address v = vs[i];
            if (v == address(0)) revert ZeroAddressValidator();
            if (v <= prev) revert ValidatorsNotAscending();
            isValidator[v] = true;
            prev = v;
        }
        _validators = vs;
        threshold = t;
    }

    /// @dev Reverts unless `signatures` are 65-byte (r,s,v) signatures over
    /// `digest` by at least `threshold` distinct current validators, given in
    /// strictly ascending signer-address order.
    function _checkSignatures(bytes32 digest, bytes[] calldata signatures) private view {
        uint256 n = signatures.length;
        uint256 need = threshold;
        if (n < need) revert NotEnoughSignatures(n, need);
        address prev = address(0);
        for (uint256 i = 0; i < n; ++i) {
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            // Covers wrong length, high s and recovery to the zero address.
            if (err != ECDSA.RecoverError.NoError) revert InvalidSignature();
            if (!isValidator[signer]) revert NotValidator(signer);
            if (signer <= prev) revert SignersNotAscending();
            prev = signer;
        }
    }

    // ------------------------------------------------------------------
    // Batches
    // ------------------------------------------------------------------

    /// @notice Settle the next batch. Anyone may submit; only the exact next
    /// batch with enough validator signatures is accepted, so a duplicate
    /// submission simply reverts.
    function submitBatch(Batch calldata batch, Delta[] calldata deltas, bytes[] calldata signatures) external {
        uint64 expected = lastBatchNumber + 1;
        if (batch.number != expected) revert WrongBatchNumber(expected, batch.number);
        if (batch.prevRoot != lastBatchRoot) revert WrongPrevRoot();
        if (batch.fromHeight != lastToHeight + 1 || batch.toHeight < batch.fromHeight) revert WrongHeightRange();
        if (keccak256(abi.encode(deltas)) != batch.deltasHash) revert WrongDeltasHash();

        bytes32 root = _batchRoot(batch);
        _checkSignatures(_hashTypedDataV4(root), signatures);

        batches[batch.number] = BatchInfo({
            root: root,
            fromHeight: batch.fromHeight,
            toHeight: batch.toHeight,
            withdrawalsRoot: batch.withdrawalsRoot
        });
        lastBatchNumber = batch.number;
        lastBatchRoot = root;
        lastToHeight = batch.toHeight;

        emit BatchSettled(
            batch.number, root, batch.fromHeight, batch.toHeight, batch.tradesRoot, batch.withdrawalsRoot
        );
        for (uint256 i = 0; i < deltas.length; ++i) {
            emit BalanceDelta(batch.number, deltas[i].account, deltas[i].token, deltas[i].amount);
        }
    }

    function _batchRoot(Batch calldata b) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                BATCH_TYPEHASH,
                b.number,
                b.fromHeight,
                b.toHeight,
                b.prevRoot,
                b.tradesRoot,
                b.deltasHash,
                b.withdrawalsRoot
            )
        );
    }

    // ------------------------------------------------------------------
    // Withdrawals
    // ------------------------------------------------------------------

    /// @notice Pay withdrawal `w` of settled batch `batchNumber`. Anyone may
    /// call; the funds always go to `w.recipient`. Each withdrawal id is paid
    /// at most once across all batches.
    function claim(uint64 batchNumber, Withdrawal calldata w, bytes32[] calldata proof) external nonReentrant {
        bytes32 wroot = batches[batchNumber].withdrawalsRoot;
        if (batches[batchNumber].root == bytes32(0)) revert UnknownBatch(batchNumber);
        if (claimed[w.id]) revert AlreadyClaimed(w.id);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(w.id, w.recipient, w.token, w.amount))));
        if (!MerkleProof.verifyCalldata(proof, wroot, leaf)) revert InvalidProof();

        claimed[w.id] = true;
        emit Claimed(w.id, batchNumber, w.recipient, w.token, w.amount);

        if (w.token == address(0)) {
            (bool ok,) = w.recipient.call{value: w.amount}("");
            if (!ok) revert EthTransferFailed();
        } else {
            IERC20(w.token).safeTransfer(w.recipient, w.amount);
        }
    }

    // ------------------------------------------------------------------
    // Deposits
    // ------------------------------------------------------------------

    /// @notice Deposit ETH for Replex account `replexAccount`.
    function depositEth(bytes32 replexAccount) external payable {
        if (replexAccount == bytes32(0)) revert ZeroReplexAccount();
        if (msg.value == 0) revert ZeroAmount();
        emit Deposit(address(0), msg.value, replexAccount, nextDepositId++);
    }

    /// @notice Deposit `amount` of ERC-20 `token` (approved beforehand) for
    /// `replexAccount`. The amount credited is what the contract actually
    /// received (fee-on-transfer tokens credit less than `amount`).
    function depositToken(address token, uint256 amount, bytes32 replexAccount) external nonReentrant {
        if (token == address(0)) revert ZeroToken();
        if (replexAccount == bytes32(0)) revert ZeroReplexAccount();
        if (amount == 0) revert ZeroAmount();
        IERC20 t = IERC20(token);
        uint256 before = t.balanceOf(address(this));
        t.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = t.balanceOf(address(this)) - before;
        if (received == 0) revert ZeroAmount();
        emit Deposit(token, received, replexAccount, nextDepositId++);
    }

    // ------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------

    function validators() external view returns (address[] memory) {
        return _validators;
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice EIP-712 struct hash of `batch` (the value stored as its root).
    function batchRoot(Batch calldata batch) external pure returns (bytes32) {
        return _batchRoot(batch);
    }

    /// @notice The EIP-712 digest validators sign for `batch`.
    function batchDigest(Batch calldata batch) external view returns (bytes32) {
        return _hashTypedDataV4(_batchRoot(batch));
    }

    /// @notice The EIP-712 digest validators sign for a validator set update.
    function validatorSetDigest(uint64 newSetId, address[] calldata newValidators, uint256 newThreshold)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    VALIDATOR_SET_UPDATE_TYPEHASH, newSetId, keccak256(abi.encodePacked(newValidators)), newThreshold
                )
            )
        );
    }
}
