// Node label selectors (NodeLabelSchedulingStrategy): whether a node's labels satisfy a list
// of LabelMatch conditions, and how to name such a list in a message.
#pragma once

#include <map>
#include <string>

#include "common.pb.h"
#include "google/protobuf/repeated_field.h"

namespace colony {

using NodeLabels = std::map<std::string, std::string>;
using LabelMatchList = google::protobuf::RepeatedPtrField<rpc::LabelMatch>;

// Built-in labels every raylet adds to those it was started with.
inline constexpr const char kNodeIdLabel[] = "colony.io/node-id";
inline constexpr const char kHostnameLabel[] = "colony.io/hostname";

// True when `labels` satisfy one condition (IN: present with one of the values; NOT_IN:
// absent or none of the values; EXISTS / DOES_NOT_EXIST: present / absent).
bool LabelMatchHolds(const NodeLabels& labels, const rpc::LabelMatch& match);
// True when `labels` satisfy every condition (an empty list always matches).
bool LabelsMatchAll(const NodeLabels& labels, const LabelMatchList& matches);
// The conditions as a user wrote them, e.g. {"zone": In("a", "b"), "gpu": Exists()}.
std::string DescribeLabelMatches(const LabelMatchList& matches);

}  // namespace colony
