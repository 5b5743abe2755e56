/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The public header of the records layer: user and group records, their
 * sections, validation, per-machine resolution, effective values, account
 * policy and comparison. */

#include "record-section.h"
#include "record-json.h"
#include "record-validate.h"
#include "user-record.h"
#include "user-record-effective.h"
#include "group-record.h"
#include "per-machine.h"
#include "account-policy.h"
#include "record-compare.h"

/* Serialization, signatures, password hashing and recovery keys. */
#include "json-canonical.h"
#include "signature.h"
#include "password-hash.h"
#include "recovery-key.h"
