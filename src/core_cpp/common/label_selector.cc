#include "common/label_selector.h"

#include <algorithm>

namespace colony {

bool LabelMatchHolds(const NodeLabels& labels, const rpc::LabelMatch& match) {
  auto it = labels.find(match.key());
  bool present = it != labels.end();
  auto listed = [&]() {
    return present && std::find(match.values().begin(), match.values().end(), it->second) !=
                          match.values().end();
  };
  switch (match.op()) {
    case rpc::LabelMatch::IN:
      return listed();
    case rpc::LabelMatch::NOT_IN:
      return !listed();
    case rpc::LabelMatch::EXISTS:
      return present;
    case rpc::LabelMatch::DOES_NOT_EXIST:
      return !present;
    default:
      return false;  // an operator this build does not know matches nothing
  }
}

bool LabelsMatchAll(const NodeLabels& labels, const LabelMatchList& matches) {
  for (const rpc::LabelMatch& match : matches) {
    if (!LabelMatchHolds(labels, match)) return false;
  }
  return true;
}

std::string DescribeLabelMatches(const LabelMatchList& matches) {
  std::string out = "{";
  for (int i = 0; i < matches.size(); i++) {
    const rpc::LabelMatch& m = matches[i];
    if (i > 0) out += ", ";
    out += "\"" + m.key() + "\": ";
    switch (m.op()) {
      case rpc::LabelMatch::IN:
        out += "In(";
        break;
      case rpc::LabelMatch::NOT_IN:
        out += "NotIn(";
        break;
      case rpc::LabelMatch::EXISTS:
        out += "Exists(";
        break;
      case rpc::LabelMatch::DOES_NOT_EXIST:
        out += "DoesNotExist(";
        break;
      default:
        out += "Unknown(";
    }
    for (int j = 0; j < m.values_size(); j++) {
      out += (j > 0 ? ", \"" : "\"") + m.values(j) + "\"";
    }
    out += ")";
  }
  return out + "}";
}

}  // namespace colony
