#pragma once
// A catalogue of system types (sensors and weapons) and each deployment's reach from it.
//
// A type has a role, a maximum range, a minimum range (default 0), the sensor's height above the
// ground at the site (default 0) and a sector of azimuths (default the full circle); see
// sensor.hpp for what they mean. A catalogue comes from a scenario's `systems:` section or a
// file (`--systems FILE`): YAML or JSON, a mapping of type names to
//     {role: TEXT, max_range_km: N, min_range_km: N, sensor_height_m: N, sector_deg: [FROM, TO]}
// (optionally under a top-level `systems:` key), or a table any GDAL driver reads (CSV,
// GeoPackage, spreadsheet) with columns name, role, max_range_km, min_range_km, sensor_height_m,
// sector_from_deg, sector_to_deg.
//
// A deployment's reach. A deployment names its type in the system field (default `system`); any
// of max_range_km, min_range_km, sensor_height_m, sector_deg (text "FROM,TO" or a list) as a
// non-empty attribute of the deployment overrides its type's value for that deployment. A
// deployment without a type keeps the reach of the reach rules (role radius, radius field, one
// radius) as its maximum range, with the overriding attributes applied too. A deployment with a
// type or one of those attributes is a sensor or weapon: the radar horizon limits it at a target
// altitude. One with neither (a response radius) reaches as far at every altitude.
#include <optional>
#include <string>
#include <vector>

#include "dza/layer.hpp"
#include "dza/sensor.hpp"

namespace YAML {
class Node;
}

namespace dza {

struct SystemType {
    std::string name;
    std::string role;
    SensorReach reach;
};

struct SystemCatalogue {
    std::string source;  // where it was read, for messages
    std::vector<SystemType> types;

    const SystemType* find(const std::string& name) const;
    bool empty() const { return types.empty(); }
    std::string names() const;  // "long-range SAM", "coastal radar", ... for messages
};

// Reads a catalogue file (see above). UsageError naming the file, line or row, and key.
SystemCatalogue read_systems_file(const std::string& path);

// A catalogue from a YAML mapping of type names to their keys; `file` and `key` say where, for
// messages (e.g. "data/scenario.yaml", "systems").
SystemCatalogue systems_from_yaml(const YAML::Node& node, const std::string& file, const std::string& key);

// The deployment attributes that override a type's values.
inline constexpr const char* sensor_override_fields[] = {"max_range_km", "min_range_km", "sensor_height_m", "sector_deg"};

// How each deployment's reach is found.
struct SensorRules {
    const SystemCatalogue* systems = nullptr;  // null or empty: no types
    std::string system_field = "system";
};

// The reach of a deployment from its type and its own attributes, given its maximum range by the
// reach rules when it has no type (`rule_range_m`, called only then; it may throw). DataError
// naming the layer, feature and field for an unknown type, a bad value, or a minimum range
// beyond the maximum.
SensorReach deployment_sensor(const Layer& deployments, const Feature& feature, const SensorRules& rules,
                              const std::function<double()>& rule_range_m);

// Whether some deployment has a type in the catalogue's field, or one of the overriding attributes.
bool uses_sensor_attributes(const Layer& deployments, const SensorRules& rules);

}  // namespace dza
