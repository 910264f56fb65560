#include "cli/command_compare.hpp"

#include <fmt/format.h>

#include <sstream>

#include "cli/format.hpp"
#include "dza/compare.hpp"
#include "dza/error.hpp"
#include "dza/secrets.hpp"
#include "dza/text.hpp"
#include "temp_folder.hpp"

namespace dza::cli {

namespace {

using json = nlohmann::ordered_json;

std::string value_text(const json& v) {
    if (v.is_null()) return "-";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_float()) return fmt::format("{}", v.get<double>());  // 100, not 100.0
    return v.dump();
}

int decimals(const std::string& unit) { return unit == "%" ? 2 : unit.empty() ? 0 : 1; }

std::string figure_value(const json& v, const std::string& unit) { return v.is_number() ? format_number(v.get<double>(), decimals(unit)) : "-"; }

std::string figure_label(const json& f) {
    const std::string figure = f["figure"].get<std::string>();
    const std::string of = f["of"].is_string() ? f["of"].get<std::string>() : "";
    std::string label = figure == "eligible_area_km2"     ? "eligible area"
                        : figure == "coverage_pct"        ? "coverage"
                        : figure == "line_coverage_pct"   ? "line coverage"
                        : figure == "longest_gap_km"      ? "longest line gap"
                        : figure == "target_coverage_pct" ? "coverage of " + of
                        : figure == "region_coverage_pct" ? "coverage of " + of
                        : figure == "violations"          ? "violations"
                        : figure == "optimize_objective"  ? "optimize objective"
                        : figure == "optimize_sites"      ? "sites proposed"
                                                          : figure;
    if (f["altitude_m"].is_number()) label += fmt::format(" at {:g} m", f["altitude_m"].get<double>());
    return label;
}

std::string passed_text(const json& v) { return v.is_null() ? "not checked" : v.get<bool>() ? "passed" : "failed"; }

std::string names(const json& list) {
    std::string out;
    for (const json& n : list) out += (out.empty() ? "" : ", ") + n.get<std::string>();
    return out;
}

// The diff as text: parameters, figures side by side, deployments, check.
std::string diff_text(const json& d) {
    std::ostringstream out;
    out << fmt::format("A: {} ({})\nB: {} ({})\n", d["a"]["file"].get<std::string>(), value_text(d["a"]["scenario"]), d["b"]["file"].get<std::string>(),
                       value_text(d["b"]["scenario"]));
    if (!d["changed"].get<bool>()) {
        out << "\nnothing changed\n";
        return out.str();
    }
    if (!d["parameters"].empty()) {
        out << "\nparameters:\n";
        Table t;
        t.add_column("parameter");
        t.add_column("A");
        t.add_column("B");
        for (const json& p : d["parameters"]) t.add_row({p["key"].get<std::string>(), value_text(p["a"]), value_text(p["b"])});
        t.print(out);
    }
    out << "\nfigures:\n";
    Table t;
    t.add_column("figure");
    t.add_column("unit");
    t.add_column("A", Table::Align::Right);
    t.add_column("B", Table::Align::Right);
    t.add_column("change", Table::Align::Right);
    std::size_t unchanged_regions = 0;
    for (const json& f : d["figures"]) {
        // Regions only where they changed: there may be dozens at each altitude.
        if (f["figure"] == "region_coverage_pct" && f["a"] == f["b"]) {
            ++unchanged_regions;
            continue;
        }
        const std::string unit = f["unit"].get<std::string>();
        std::string change = "-";
        if (f["difference"].is_number()) {
            const double v = f["difference"].get<double>();
            change = format_number(v, decimals(unit));
            if (change.find_first_of("123456789") == std::string::npos) change = format_number(0, decimals(unit));  // no "-0.00"
            else if (v > 0) change = "+" + change;
        }
        t.add_row({figure_label(f), unit, figure_value(f["a"], unit), figure_value(f["b"], unit), change});
    }
    t.print(out);
    if (unchanged_regions) out << fmt::format("({} region figure{} unchanged)\n", unchanged_regions, unchanged_regions == 1 ? "" : "s");

    const json& dep = d["deployments"];
    out << "\ndeployments:\n";
    out << "  added: " << (dep["added"].empty() ? "none" : names(dep["added"])) << '\n';
    out << "  removed: " << (dep["removed"].empty() ? "none" : names(dep["removed"])) << '\n';
    if (!dep["positions_known"].get<bool>())
        out << "  moved: not known (a plan has no distance results to place its deployments)\n";
    else if (dep["moved"].empty())
        out << "  moved: none\n";
    else
        for (const json& m : dep["moved"]) out << fmt::format("  moved: {} by {} km\n", m["name"].get<std::string>(), format_number(m["moved_km"].get<double>(), 3));

    const json& check = d["check"];
    out << fmt::format("\nplan check: A {}, B {}\n", passed_text(check["a_passed"]), passed_text(check["b_passed"]));
    const auto failures = [&](const char* key, const char* what) {
        for (const json& v : check[key])
            out << fmt::format("  {}: {}{}: {}\n", what, v["deployment"].is_string() ? v["deployment"].get<std::string>() + ": " : "", v["rule"].get<std::string>(),
                               value_text(v["message"]));
    };
    failures("gained", "gained");
    failures("lost", "lost");
    if (d["optimize"].is_object()) {
        out << "\noptimize:\n";
        out << "  sites added: " << (d["optimize"]["added"].empty() ? "none" : names(d["optimize"]["added"])) << '\n';
        out << "  sites removed: " << (d["optimize"]["removed"].empty() ? "none" : names(d["optimize"]["removed"])) << '\n';
    }
    return out.str();
}

}  // namespace

void CompareCommand::setup(CLI::App& app) {
    app.add_option("A", a_, "plan A: a summary.json written by dza run (or its output folder)")->type_name("FILE")->required();
    app.add_option("B", b_, "plan B, compared with A")->type_name("FILE")->required();
    app.add_flag("--json", json_, "print the differences as JSON (dza.compare/1) instead of tables");
    app.add_option("-o,--output", output_, "write the text (or with --json the JSON) to this file instead of stdout; replaced only when complete")->type_name("FILE");
}

void CompareCommand::validate() {
    if (output_ == "-") output_.clear();
}

ExitCode CompareCommand::run(Io& io) {
    const json a = read_summary(a_);
    const json b = read_summary(b_);
    const json diff = compare_summaries(a, b, a_, b_);
    const std::string text = scrub_secrets(json_ ? json_text(diff, 2) + '\n' : diff_text(diff));
    if (output_.empty())
        io.out << text;
    else
        write_file_atomic(output_, text);
    return ExitCode::Ok;
}

}  // namespace dza::cli
