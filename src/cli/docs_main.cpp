// dza_docs: writes dza's man pages and its bash and zsh completion from the command line's own
// declarations (cli/tree.hpp: the CLI11 tree run() parses with), so they list exactly the
// commands, options, value names, defaults and choices the parser accepts. Run at build time.
//
// Usage: dza_docs OUT_DIR
// Writes OUT_DIR/man1/dza.1, OUT_DIR/man1/dza-COMMAND.1 for every command, OUT_DIR/bash/dza and
// OUT_DIR/zsh/_dza. The output depends on the declarations only: no date, no path, no locale.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/tree.hpp"
#include "dza/version.hpp"

namespace fs = std::filesystem;

namespace {

// What a shell offers for an option's value or a positional.
enum class ValueKind { none, file, directory };

// One option or positional as declared.
struct OptionDoc {
    std::vector<std::string> names;  // "-o", "--output"; a positional's name
    bool positional = false;
    bool flag = false;  // takes no value
    bool required = false;
    bool repeatable = false;
    std::string type;                   // declared value name (type_name), without the validators' descriptions
    std::vector<std::string> choices;   // IsMember, or a type name such as "left|right"
    std::vector<std::string> checks;    // other validators' descriptions, e.g. "INT in [200 - 10000]"
    std::string default_text;
    std::string help;
    std::vector<std::string> excludes;  // names of options it cannot be given with, sorted
    ValueKind kind = ValueKind::none;
    std::vector<std::string> extensions;  // file-name extensions the help names, without dots

    const std::string& main_name() const { return names.back(); }
};

struct CommandDoc {
    std::string name;
    std::string help;
    std::vector<OptionDoc> options;  // declaration order, --help first
    std::vector<OptionDoc> positionals;
};

struct Docs {
    std::string name;
    std::string help;
    std::string footer;
    std::vector<OptionDoc> options;  // global
    std::vector<CommandDoc> commands;
};

bool is_choice_word(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '_' || c == '-'; });
}

std::vector<std::string> split(const std::string& s, char by) {
    std::vector<std::string> out;
    std::string part;
    std::istringstream in(s);
    while (std::getline(in, part, by)) out.push_back(part);
    return out;
}

bool contains_word(const std::string& text, const std::string& word) {
    for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        const bool starts = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
        const auto end = at + word.size();
        const bool ends = end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
        if (starts && ends) return true;
    }
    return false;
}

// The extensions a file option's help names: ".png", ".gpkg" ..., and the formats YAML, JSON and
// CSV ("scenario file (YAML or JSON)").
std::vector<std::string> extensions_in(const std::string& help) {
    std::vector<std::string> out;
    auto add = [&](const std::string& e) {
        if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
    };
    for (std::size_t i = 0; i + 1 < help.size(); ++i) {
        if (help[i] != '.' || !std::islower(static_cast<unsigned char>(help[i + 1]))) continue;
        if (i > 0 && help[i - 1] != ' ' && help[i - 1] != '(' && help[i - 1] != ',') continue;
        std::size_t end = i + 1;
        while (end < help.size() && (std::islower(static_cast<unsigned char>(help[end])) || std::isdigit(static_cast<unsigned char>(help[end])))) ++end;
        add(help.substr(i + 1, end - i - 1));
    }
    if (contains_word(help, "YAML")) {
        add("yaml");
        add("yml");
    }
    if (contains_word(help, "JSON")) add("json");
    if (contains_word(help, "CSV")) add("csv");
    return out;
}

// The shell completes files for these value names, folders for DIR.
ValueKind kind_of(const std::string& type) {
    static const std::set<std::string> files = {"FILE", "LAYER", "OUT", "RASTER", "SCENARIO"};
    if (type == "DIR") return ValueKind::directory;
    if (files.count(type)) return ValueKind::file;
    return ValueKind::none;
}

OptionDoc describe(CLI::Option& o) {
    OptionDoc d;
    d.positional = !o.nonpositional();
    if (d.positional) {
        d.names.push_back(o.get_name(true));
    } else {
        for (const auto& s : o.get_snames()) d.names.push_back("-" + s);
        for (const auto& l : o.get_lnames()) d.names.push_back("--" + l);
    }
    d.flag = !d.positional && o.get_items_expected_max() == 0;
    d.required = o.get_required();
    d.repeatable = !d.flag && o.get_expected_max() > 1;
    d.help = o.get_description();
    d.default_text = d.flag ? "" : o.get_default_str();

    // get_type_name() is the declared name followed by ":" and each validator's description.
    std::string type = d.flag ? "" : o.get_type_name();
    for (int i = 0;; ++i) {
        const CLI::Validator* v = nullptr;
        try {
            v = o.get_validator(i);
        } catch (const CLI::OptionNotFound&) {
            break;
        }
        const std::string description = v->get_description();
        if (description.empty()) continue;
        const std::string suffix = ":" + description;
        if (type.size() >= suffix.size() && type.compare(type.size() - suffix.size(), suffix.size(), suffix) == 0) type.erase(type.size() - suffix.size());
        if (description.size() > 2 && description.front() == '{' && description.back() == '}') {
            for (const auto& choice : split(description.substr(1, description.size() - 2), ',')) d.choices.push_back(choice);
        } else {
            d.checks.push_back(description);
        }
    }
    d.type = type;
    if (d.choices.empty() && type.find('|') != std::string::npos) {
        const auto words = split(type, '|');
        if (std::all_of(words.begin(), words.end(), is_choice_word)) d.choices = words;
    }
    for (CLI::Option* other : o.get_excludes()) d.excludes.push_back(other->get_name(false, true));
    std::sort(d.excludes.begin(), d.excludes.end());
    d.kind = kind_of(d.positional ? (type.empty() ? d.names.front() : type) : type);
    if (d.kind == ValueKind::file) d.extensions = extensions_in(d.help);
    return d;
}

Docs collect(CLI::App& app) {
    Docs docs;
    docs.name = app.get_name();
    docs.help = app.get_description();
    docs.footer = app.get_footer();
    for (CLI::Option* o : app.get_options()) docs.options.push_back(describe(*o));
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        if (sub->get_name().empty() || sub->get_group().empty()) continue;  // option groups, hidden commands
        CommandDoc c;
        c.name = sub->get_name();
        c.help = sub->get_description();
        for (CLI::Option* o : sub->get_options()) {
            if (o->get_group().empty()) continue;  // hidden
            OptionDoc d = describe(*o);
            (d.positional ? c.positionals : c.options).push_back(d);
        }
        docs.commands.push_back(c);
    }
    return docs;
}

// ---------------------------------------------------------------------------------------------
// roff (man(7)): ASCII out, with every other character as \[uXXXX], so groff needs no preconv.

std::string roff_text(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\\') {
            out += "\\e";
        } else if (c == '-') {
            // An option's or stdin's dash is a minus sign; a hyphen inside a word stays one.
            const char before = i == 0 ? ' ' : s[i - 1];
            out += (before == ' ' || before == '(' || before == '-' || before == '"' || before == '\'' || before == '[' || before == '`' || before == ',') ? "\\-" : "-";
        } else if (c == '\n') {
            out += ' ';
        } else if (c < 0x80) {
            out += static_cast<char>(c);
        } else {
            // UTF-8 to a code point.
            int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
            unsigned code = c & (0x3f >> extra);
            for (int k = 0; k < extra && i + 1 < s.size(); ++k) code = (code << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f);
            char buffer[16];
            std::snprintf(buffer, sizeof buffer, "\\[u%04X]", code);
            out += buffer;
        }
    }
    // A line starting with a dot or a quote would be a request.
    if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
    return out;
}

std::string bold(const std::string& s) { return "\\fB" + roff_text(s) + "\\fR"; }
std::string italic(const std::string& s) { return "\\fI" + roff_text(s) + "\\fR"; }
// An option's name: every dash a minus sign, so it can be searched for and pasted.
std::string option_name(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '-' ? std::string("\\-") : roff_text(std::string(1, c));
    return "\\fB" + out + "\\fR";
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string join(const std::vector<std::string>& parts, const std::string& by) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : by) + p;
    return out;
}

// "-o, --output DIR" for an option's paragraph tag.
std::string option_tag(const OptionDoc& o) {
    if (o.positional) return italic(o.names.front()) + (o.repeatable ? "\\ ..." : "");
    std::vector<std::string> names;
    for (const auto& n : o.names) names.push_back(option_name(n));
    std::string tag = join(names, ", ");
    if (!o.flag) tag += " " + italic(o.type.empty() ? "VALUE" : o.type);
    return tag;
}

// The sentences after an option's help: default, choices, limits, repetition, exclusions.
std::string option_facts(const OptionDoc& o) {
    std::vector<std::string> facts;
    if (o.required) facts.push_back("Required.");
    if (!o.choices.empty()) {
        std::vector<std::string> choices;
        for (const auto& c : o.choices) choices.push_back(bold(c));
        facts.push_back("One of " + join(choices, ", ") + ".");
    }
    for (const auto& c : o.checks) facts.push_back("Accepts " + roff_text(c) + ".");
    if (!o.default_text.empty()) facts.push_back("Default: " + bold(o.default_text) + ".");
    if (o.repeatable) facts.push_back(o.positional ? "One or more." : "May be given more than once.");
    if (!o.excludes.empty()) {
        std::vector<std::string> names;
        for (const auto& e : o.excludes) names.push_back(option_name(e));
        facts.push_back("Not with " + join(names, ", ") + ".");
    }
    return join(facts, " ");
}

void write_option_list(std::ostream& out, const std::vector<OptionDoc>& options) {
    for (const auto& o : options) {
        out << ".TP\n" << option_tag(o) << "\n" << roff_text(o.help) << "\n";
        const std::string facts = option_facts(o);
        if (!facts.empty()) out << ".br\n" << facts << "\n";
    }
}

// The one-line summary after "name \-": the description without a leading "dza: ".
std::string summary(const Docs& docs) {
    const std::string prefix = docs.name + ": ";
    return docs.help.rfind(prefix, 0) == 0 ? docs.help.substr(prefix.size()) : docs.help;
}

void write_header(std::ostream& out, const std::string& title) {
    out << ".\\\" Generated from dza's option declarations by dza_docs; do not edit.\n";
    out << ".TH " << roff_text(upper(title)) << " 1 \"\" \"dza " << roff_text(dza::version) << "\" \"User Commands\"\n.nh\n.ad l\n";
}

std::string global_synopsis(const Docs& docs) {
    std::vector<std::string> parts;
    for (const auto& o : docs.options) {
        if (o.names.front() == "-h" || o.main_name() == "--version") continue;
        parts.push_back("[" + option_name(o.names.front()) + (o.flag ? "" : " " + italic(o.type)) + "]");
    }
    return join(parts, " ");
}

void write_main_page(std::ostream& out, const Docs& docs) {
    write_header(out, docs.name);
    out << ".SH NAME\n" << roff_text(docs.name) << " \\- " << roff_text(summary(docs)) << "\n";
    out << ".SH SYNOPSIS\n.B " << roff_text(docs.name) << "\n" << global_synopsis(docs) << " " << italic("COMMAND") << " [" << italic("OPTIONS") << "]\n";
    out << ".br\n.B " << roff_text(docs.name) << "\n" << italic("COMMAND") << " " << option_name("--help") << "\n";
    out << ".SH DESCRIPTION\n" << roff_text(summary(docs)) << ".\n";
    out << ".PP\nEach command has its own page, " << bold(docs.name + "-COMMAND") << "(1).\n";
    out << ".SH COMMANDS\n";
    for (const auto& c : docs.commands) out << ".TP\n" << bold(c.name) << "\n" << roff_text(c.help) << "; see " << bold(docs.name + "-" + c.name) << "(1).\n";
    out << ".SH OPTIONS\nThese options may also follow the command.\n";
    write_option_list(out, docs.options);
    if (!docs.footer.empty()) out << ".SH NOTES\n" << roff_text(docs.footer) << "\n";
    out << ".SH FILES\n.TP\n" << italic("data/scenario.yaml") << "\nThe default scenario when the current folder has one.\n";
    out << ".TP\n" << italic("PREFIX/share/dza/scenario.yaml") << "\nThe installed default scenario and the layers it names, found next to the binary ("
        << italic("PREFIX/bin/dza") << ").\n";
    out << ".SH SEE ALSO\n";
    std::vector<std::string> pages;
    for (const auto& c : docs.commands) pages.push_back(bold(docs.name + "-" + c.name) + "(1)");
    out << join(pages, ",\n") << "\n";
}

void write_command_page(std::ostream& out, const Docs& docs, const CommandDoc& c) {
    const std::string page = docs.name + "-" + c.name;
    write_header(out, page);
    out << ".SH NAME\n" << roff_text(page) << " \\- " << roff_text(c.help) << "\n";
    out << ".SH SYNOPSIS\n.B " << roff_text(docs.name + " " + c.name) << "\n";
    std::vector<std::string> parts;
    for (const auto& o : c.options)
        if (o.required) parts.push_back(option_name(o.names.front()) + (o.flag ? "" : " " + italic(o.type)));
    parts.push_back("[" + italic("OPTIONS") + "]");
    for (const auto& p : c.positionals) {
        const std::string name = italic(p.names.front()) + (p.repeatable ? "\\ ..." : "");
        parts.push_back(p.required ? name : "[" + name + "]");
    }
    out << join(parts, " ") << "\n";
    out << ".SH DESCRIPTION\n" << roff_text(c.help) << ".\n";
    if (!c.positionals.empty()) {
        out << ".SH ARGUMENTS\n";
        write_option_list(out, c.positionals);
    }
    out << ".SH OPTIONS\n";
    write_option_list(out, c.options);
    out << ".SH GLOBAL OPTIONS\n";
    std::vector<std::string> globals;
    for (const auto& o : docs.options)
        if (o.names.front() != "-h" && o.main_name() != "--version") globals.push_back(option_name(o.main_name()));
    out << join(globals, " and ") << " may come before or after the command; see " << bold(docs.name) << "(1).\n";
    out << ".SH SEE ALSO\n" << bold(docs.name) << "(1)\n";
}

// ---------------------------------------------------------------------------------------------
// bash: a completion function that needs nothing but bash (no bash-completion helpers).

std::string shell_words(const std::vector<std::string>& words) { return join(words, " "); }

std::vector<std::string> all_names(const std::vector<OptionDoc>& options) {
    std::vector<std::string> out;
    for (const auto& o : options)
        if (!o.positional) out.insert(out.end(), o.names.begin(), o.names.end());
    return out;
}

// The case arms that complete an option's value, for options taking one.
void write_bash_value_cases(std::ostream& out, const std::vector<OptionDoc>& options) {
    for (const auto& o : options) {
        if (o.flag || o.positional) continue;
        out << "        " << join(o.names, "|") << ") ";
        if (!o.choices.empty()) {
            out << "_dza_words \"" << shell_words(o.choices) << "\"";
        } else if (o.kind == ValueKind::directory) {
            out << "_dza_directories";
        } else if (o.kind == ValueKind::file) {
            out << "_dza_files \"" << shell_words(o.extensions) << "\"";
        } else {
            out << ":";  // a value with nothing to offer (a distance, a name, ...)
        }
        out << "; return 0 ;;\n";
    }
}

void write_bash(std::ostream& out, const Docs& docs) {
    std::vector<std::string> command_names;
    for (const auto& c : docs.commands) command_names.push_back(c.name);
    std::vector<OptionDoc> global_values;
    for (const auto& o : docs.options)
        if (!o.flag) global_values.push_back(o);
    std::vector<std::string> global_value_names = all_names(global_values);
    std::vector<std::string> global_for_commands;
    for (const auto& o : docs.options)
        if (o.names.front() != "-h" && o.main_name() != "--version") global_for_commands.insert(global_for_commands.end(), o.names.begin(), o.names.end());

    out << "# bash completion for dza(1). Generated from dza's option declarations by dza_docs; do not edit.\n\n";
    out << R"(_dza_words() {
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_dza_directories() {
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -d -- "$cur")
}

# Files with one of the extensions in $1 (any file when $1 is empty), and folders.
_dza_files() {
    local extension
    compopt -o filenames 2>/dev/null
    if [[ -z $1 ]]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return
    fi
    mapfile -t COMPREPLY < <(compgen -d -- "$cur")
    for extension in $1; do
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -X "!*.$extension" -- "$cur")
    done
}

)";
    for (const auto& c : docs.commands) {
        std::vector<OptionDoc> options = c.options;
        for (const auto& o : docs.options)
            if (o.names.front() != "-h" && o.main_name() != "--version") options.push_back(o);
        out << "_dza_command_" << c.name << "() {\n    case $prev in\n";
        write_bash_value_cases(out, options);
        out << "    esac\n";
        out << "    if [[ $cur == -* ]]; then\n        _dza_words \"" << shell_words(all_names(c.options)) << " " << shell_words(global_for_commands)
            << "\"\n        return 0\n    fi\n";
        const OptionDoc* positional = c.positionals.empty() ? nullptr : &c.positionals.front();
        if (positional && positional->kind == ValueKind::file)
            out << "    _dza_files \"" << shell_words(positional->extensions) << "\"\n";
        else if (positional && positional->kind == ValueKind::directory)
            out << "    _dza_directories\n";
        else
            out << "    COMPREPLY=()\n";
        out << "}\n\n";
    }
    out << "_dza() {\n";
    out << R"(    COMPREPLY=()
    local cword=$COMP_CWORD cur=${COMP_WORDS[COMP_CWORD]} prev=
    # bash splits --option=value at the '='.
    if [[ $cur == = ]]; then
        cur= prev=${COMP_WORDS[cword - 1]}
    elif ((cword >= 2)) && [[ ${COMP_WORDS[cword - 1]} == = ]]; then
        prev=${COMP_WORDS[cword - 2]}
    elif ((cword >= 1)); then
        prev=${COMP_WORDS[cword - 1]}
    fi
    local i command=
    for ((i = 1; i < cword; i++)); do
        case ${COMP_WORDS[i]} in
)";
    if (!global_value_names.empty())
        out << "            " << join(global_value_names, "|") << ") [[ ${COMP_WORDS[i + 1]} == = ]] && ((i++)); ((i++)) ;;\n";
    out << R"(            -*) ;;
            *) command=${COMP_WORDS[i]}; break ;;
        esac
    done
    case $command in
)";
    out << "        '')\n            case $prev in\n";
    {
        std::ostringstream cases;
        write_bash_value_cases(cases, global_values);
        std::istringstream lines(cases.str());
        for (std::string line; std::getline(lines, line);) out << "    " << line << "\n";
    }
    out << "            esac\n";
    out << "            if [[ $cur == -* ]]; then\n                _dza_words \"" << shell_words(all_names(docs.options)) << "\"\n            else\n                _dza_words \""
        << shell_words(command_names) << "\"\n            fi ;;\n";
    for (const auto& c : docs.commands) out << "        " << c.name << ") _dza_command_" << c.name << " ;;\n";
    out << "        *) COMPREPLY=() ;;\n    esac\n    return 0\n}\n\ncomplete -F _dza dza\n";
}

// ---------------------------------------------------------------------------------------------
// zsh: an autoloadable #compdef file using _arguments.

// Inside a single-quoted _arguments spec, within [...].
std::string zsh_description(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '\'': out += "'\\''"; break;
            case '\\': out += "\\\\"; break;
            case '[': out += "\\["; break;
            case ']': out += "\\]"; break;
            case ':': out += "\\:"; break;
            case '$': out += "\\$"; break;
            case '`': out += "\\`"; break;
            case '\n': out += ' '; break;
            default: out += c;
        }
    }
    return out;
}

// The message between an argument spec's colons: quotes and colons escaped.
std::string zsh_message(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else if (c == ':') out += "\\:";
        else if (c == '\\') out += "\\\\";
        else out += c;
    }
    return out;
}

// Inside single quotes.
std::string zsh_quote(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out;
}

std::string zsh_action(const OptionDoc& o) {
    if (!o.choices.empty()) return "(" + join(o.choices, " ") + ")";
    if (o.kind == ValueKind::directory) return "_files -/";
    if (o.kind == ValueKind::file) return o.extensions.empty() ? "_files" : "_files -g \"*.(" + join(o.extensions, "|") + ")\"";
    return " ";
}

void write_zsh_specs(std::ostream& out, const std::vector<OptionDoc>& options, const std::string& indent) {
    for (const auto& o : options) {
        if (o.positional) {
            const std::string message = zsh_message(o.names.front());
            const std::string lead = o.repeatable ? "*:" : o.required ? ":" : "::";
            out << indent << "'" << lead << message << ":" << zsh_action(o) << "' \\\n";
            continue;
        }
        const bool alone = o.names.front() == "-h" || o.main_name() == "--version";
        std::string exclusions;
        if (alone)
            exclusions = "(- *)";
        else if (!o.repeatable)
            exclusions = "(" + join(o.names, " ") + (o.excludes.empty() ? "" : " " + join(o.excludes, " ")) + ")";
        for (const auto& name : o.names) {
            out << indent << "'" << exclusions << (o.repeatable ? "*" : "") << name << (!o.flag && name.rfind("--", 0) == 0 ? "=" : "") << "["
                << zsh_description(o.help) << "]";
            if (!o.flag) out << ":" << zsh_message(o.type.empty() ? "value" : o.type) << ":" << zsh_action(o);
            out << "' \\\n";
        }
    }
}

void write_zsh(std::ostream& out, const Docs& docs) {
    std::vector<OptionDoc> globals;
    for (const auto& o : docs.options)
        if (o.names.front() != "-h" && o.main_name() != "--version") globals.push_back(o);
    out << "#compdef dza\n# zsh completion for dza(1). Generated from dza's option declarations by dza_docs; do not edit.\n\n";
    out << "_dza_commands() {\n    local -a commands=(\n";
    // _describe's NAME:DESCRIPTION: a colon in the name escaped, the description as it is.
    for (const auto& c : docs.commands) out << "        '" << zsh_message(c.name) << ":" << zsh_quote(c.help) << "'\n";
    out << "    )\n    _describe -t commands 'dza command' commands\n}\n\n";
    for (const auto& c : docs.commands) {
        out << "_dza_command_" << c.name << "() {\n    _arguments -s -S \\\n";
        write_zsh_specs(out, c.options, "        ");
        write_zsh_specs(out, globals, "        ");
        write_zsh_specs(out, c.positionals, "        ");
        out << "        && return 0\n    return 1\n}\n\n";
    }
    out << "_dza() {\n    local curcontext=$curcontext state line ret=1\n    _arguments -s -S -C \\\n";
    write_zsh_specs(out, docs.options, "        ");
    out << "        '1:command:_dza_commands' \\\n        '*:: :->command' \\\n        && ret=0\n";
    out << "    case $state in\n        command)\n            curcontext=${curcontext%:*:*}:dza-$words[1]:\n            case $words[1] in\n";
    for (const auto& c : docs.commands) out << "                " << c.name << ") _dza_command_" << c.name << " && ret=0 ;;\n";
    out << "            esac ;;\n    esac\n    return ret\n}\n\n";
    out << "if [[ $funcstack[1] == _dza ]]; then\n    _dza \"$@\"\nelse\n    compdef _dza dza\nfi\n";
}

// ---------------------------------------------------------------------------------------------

void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: dza_docs OUT_DIR\n";
        return 2;
    }
    try {
        const fs::path root = argv[1];
        std::ostringstream sink;
        dza::cli::Io io{sink, sink};
        dza::cli::CommandTree tree = dza::cli::make_command_tree(io);
        const Docs docs = collect(*tree.app);

        // Pages of commands no longer declared do not linger.
        fs::remove_all(root / "man1");
        std::ostringstream page;
        write_main_page(page, docs);
        write_file(root / "man1" / (docs.name + ".1"), page.str());
        for (const auto& c : docs.commands) {
            std::ostringstream sub;
            write_command_page(sub, docs, c);
            write_file(root / "man1" / (docs.name + "-" + c.name + ".1"), sub.str());
        }
        std::ostringstream bash;
        write_bash(bash, docs);
        write_file(root / "bash" / docs.name, bash.str());
        std::ostringstream zsh;
        write_zsh(zsh, docs);
        write_file(root / "zsh" / ("_" + docs.name), zsh.str());
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "dza_docs: " << e.what() << '\n';
        return 1;
    }
}
