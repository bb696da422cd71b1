// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Settlement} from "../src/Settlement.sol";

/// @notice Malicious withdrawal recipient: when it receives ETH it calls
/// `claim` again (the same withdrawal, or another one it was armed with).
/// With `propagate` it bubbles the failure up (making its own payment fail);
/// otherwise it swallows it and records what happened.
contract ReentrantRecipient {
    Settlement public immutable settlement;

    uint64 public batch;
    Settlement.Withdrawal public target;
    bytes32[] internal proof;
    bool public propagate;

    uint256 public receiveCount;
    uint256 public reentryAttempts;
    bool public reentrySucceeded;
    bytes public reentryError;

    constructor(Settlement s) {
        settlement = s;
    }

    function arm(uint64 batch_, Settlement.Withdrawal calldata w, bytes32[] calldata proof_, bool propagate_)
        external
    {
        batch = batch_;
        target = w;
        proof = proof_;
        propagate = propagate_;
    }

    receive() external payable {
        ++receiveCount;
        if (reentryAttempts > 0) return; // try once
        ++reentryAttempts;
        try settlement.claim(batch, target, proof) {
            reentrySucceeded = true;
        } catch (bytes memory err) {
            reentryError = err;
            if (propagate) {
                assembly {
                    revert(add(err, 0x20), mload(err))
                }
            }
        }
    }
}
