// `mitokit-sim modules plan` against the real python3-mitogen master: the master
// imports a package, a fresh UNIX-socket client asks for modules, and every
// LOAD_MODULE it receives must match the plan, message for message.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Case {
    const char* imports;  // comma-separated, imported into the master first
    std::vector<std::string> requests;
    // A package the case needs that is not a CI dependency (installed for the survey
    // of sweep_plans.py only): the case is skipped where it is missing.
    const char* needs = nullptr;
};

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[65536];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    return out;
}

std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> v;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
}

class ModulesConformance : public ::testing::TestWithParam<Case> {};

TEST_P(ModulesConformance, PlanMatchesTheRealMasterMessageForMessage) {
    const Case& c = GetParam();
    if (c.needs && std::system((std::string(MITOKIT_PYTHON) + " -c 'import " + c.needs + "' 2>/dev/null").c_str()) != 0)
        GTEST_SKIP() << c.needs << " is not installed (apt-get install python3-" << c.needs << ")";
    // ctest runs cases in parallel: one set of files per case.
    const std::string base = ::testing::TempDir() + "/mitokit_plan_" + std::to_string(getpid());
    const std::string loaded = base + "_loaded.txt", paths = base + "_paths.txt";
    std::string reqs, our_reqs;
    for (const auto& r : c.requests) {
        reqs += " " + r;
        our_reqs += " --request " + r;
    }
    const std::string ref = run(std::string(MITOKIT_PYTHON) + " " MITOKIT_SOURCE_DIR
                                "/simulator/tests/scripts/reference_plan.py " + loaded + " " + paths + " " +
                                c.imports + reqs + " 2>/dev/null");
    std::ifstream pf(paths);
    std::string path_args;
    for (std::string l; std::getline(pf, l);) path_args += " --path " + l;
    ASSERT_FALSE(path_args.empty()) << "reference run failed";
    const std::string ours = run(std::string(MITOKIT_SIM_EXE) + " modules plan" + path_args + " --loaded " + loaded + our_reqs);
    const auto want = lines(ref), got = lines(ours);
    ASSERT_FALSE(want.empty()) << "the reference sent nothing";
    ASSERT_EQ(got.size(), want.size()) << "reference:\n" << ref << "ours:\n" << ours;
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "message " << i;
}

INSTANTIATE_TEST_SUITE_P(
    DebianPackages, ModulesConformance,
    ::testing::Values(Case{"yaml", {"yaml"}},
                      Case{"pygments,pygments.lexers.python", {"pygments", "pygments.lexers", "pygments.lexers.python"}},
                      Case{"oauthlib.oauth2", {"oauthlib", "oauthlib.oauth2"}},
                      Case{"cryptography.fernet", {"cryptography", "cryptography.fernet"}},
                      Case{"wadllib.application", {"wadllib", "wadllib.application"}},
                      Case{"jwt,six", {"six", "jwt", "jwt", "json", "nosuchmodule"}},
                      Case{"dbus", {"dbus.service", "dbus"}},
                      // ply is not imported by the master: finding ply.yacc imports it.
                      Case{"toml", {"ply", "ply.yacc", "ply.lex", "nosuchpkg.sub"}},
                      // Neither is imported by the master: finding a submodule imports the
                      // package, whose __init__ imports the rest (C extensions included).
                      Case{"idna", {"yaml.constructor", "yaml", "dbus.service", "dbus", "pyparsing.diagram"}},
                      // Imports under TYPE_CHECKING and except-ImportError fallbacks do not run;
                      // lazr is a namespace package, which fails the request.
                      Case{"distro", {"jinja2.filters", "markupsafe", "lazr.restfulclient.resource", "jwt.api_jwt"}},
                      // cryptography's cffi module registers cryptography.hazmat.bindings._openssl.lib.
                      Case{"blinker", {"OpenSSL.SSL", "cryptography.hazmat.backends.openssl.rsa"}},
                      // Import hooks: setuptools serves distutils from setuptools/_distutils and
                      // pkg_resources vendors its dependencies as pkg_resources.extern.*.
                      Case{"setuptools", {"setuptools", "distutils", "distutils.command.build"}},
                      // setuptools._distutils is the alias of distutils in sys.modules: found
                      // through setuptools' path, as are the modules below it.
                      Case{"setuptools,distutils", {"setuptools._distutils", "setuptools._distutils.command"}},
                      Case{"pkg_resources", {"pkg_resources", "pkg_resources.extern", "pkg_resources._vendor.packaging"}},
                      // importlib_resources._compat imports zipfile on 3.10+ and the vendored
                      // zipp only below: zipp is not loaded, so it is not related.
                      Case{"pkg_resources", {"pkg_resources._vendor.importlib_resources._compat"}},
                      // Loaded through pkg_resources.extern's hook, whose loader pkgutil cannot use:
                      // read by inspect.getsource, so the empty __init__ is sent as "\n".
                      Case{"pkg_resources", {"pkg_resources._vendor.jaraco", "pkg_resources._vendor.jaraco.text"}},
                      // requests (not imported by the master) imports requests.adapters, which
                      // catches the ImportError of urllib3.contrib.socks, which re-raises it
                      // (no PySocks): socks is not loaded, so it is not related.
                      Case{"six", {"requests", "requests.adapters"}},
                      // The master's ssl has SNI: requests' pyopenssl fallback does not run, so
                      // OpenSSL and cryptography are not loaded, nor related.
                      Case{"json", {"requests.compat", "requests.status_codes"}},
                      // The reference script is __main__ and has no main guard: refused.
                      Case{"xmltodict", {"__main__", "xmltodict"}},
                      // babel.localtime imports its _win32 module only where sys.platform is
                      // win32, and click's _compat its _winconsole (a conjunction with it).
                      Case{"babel", {"babel", "babel.messages.jslexer", "babel.numbers", "babel.util", "babel.lists"}, "babel"},
                      Case{"json", {"click", "click._termui_impl", "click.types", "click.exceptions"}, "click"},
                      // bs4.tests imports pytest (not installed) unguarded: importing it raises,
                      // so it is not related to the test modules served from its directory.
                      Case{"bs4", {"bs4", "bs4.tests.test_navigablestring", "bs4.tests.test_tree", "bs4.tests"}, "bs4"},
                      // greenlet.tests fails through its leakcheck module's unguarded objgraph.
                      Case{"greenlet", {"greenlet", "greenlet.tests.test_weakref", "greenlet.platform"}, "greenlet"},
                      // lxml.html's `from lxml import etree` imports the C extension etree: related,
                      // and answered negatively.
                      Case{"lxml", {"lxml", "lxml.html.defs", "lxml.html.html5parser"}, "lxml"},
                      // PyNaCl's cffi module was built as `_sodium`: it registers _sodium.lib,
                      // not nacl._sodium.lib.
                      Case{"nacl", {"nacl", "nacl.bindings.utils", "nacl.pwhash"}, "nacl"},
                      // soupsieve.css_match imports bs4, whose dammit falls back from cchardet
                      // (not installed) to chardet in its except clause: chardet is related.
                      Case{"json", {"soupsieve.pretty", "soupsieve.util", "soupsieve.css_match"}, "soupsieve"},
                      // msgpack imports its pure-Python fallback only where MSGPACK_PUREPYTHON is
                      // set (unset on the master) or on Python 2: the C module serves it.
                      Case{"json", {"msgpack._version", "msgpack.exceptions", "msgpack.fallback"}, "msgpack"},
                      // jsonschema._format imports optional format checkers (fqdn, not installed)
                      // under `with suppress(ImportError):`: the failure does not propagate.
                      Case{"json", {"jsonschema", "jsonschema._utils"}, "jsonschema"},
                      // sympy/__init__.py names over 256 things before its later imports: the
                      // reference's scan (one-byte arguments) does not see those, so they are
                      // not related (code_names.hpp).
                      Case{"sympy", {"sympy", "sympy.physics.units"}, "sympy"},
                      // Serving these imports selinux, SWIG-made: `if __package__ or "." in __name__:`
                      // picks `from . import _selinux` in a package, so top-level _selinux stays
                      // unloaded and unrelated.
                      Case{"ansible", {"ansible", "ansible.module_utils.basic", "ansible.playbook.role.requirement",
                                       "ansible.template.vars", "ansible.plugins.lookup.vars"}, "ansible"},
                      // netaddr.strategy.ipv4 tests `_sys.platform` (`import sys as _sys`): its
                      // Windows fallback netaddr.fbsocket is not loaded, nor related.
                      Case{"json", {"netaddr.core", "netaddr.ip", "netaddr.strategy.ipv4"}, "netaddr"},
                      // sqlalchemy.testing.mock re-raises a missing `mock` only in the else of
                      // `if py3k:`, which the scanner cannot decide: sqlalchemy.testing still loads.
                      Case{"sqlalchemy", {"sqlalchemy.testing", "sqlalchemy.testing.assertions"}, "sqlalchemy"},
                      // pip's vendored requests.packages puts pip._vendor.urllib3's modules in
                      // sys.modules again under its own name: they are related under both.
                      Case{"pip", {"pip._vendor.cachecontrol.filewrapper", "pip._vendor.requests.api"}, "pip"},
                      // matplotlib's __init__ calls _check_versions(), whose body imports the C
                      // extension ft2font: matplotlib.testing.decorators relates it (negative).
                      Case{"json", {"matplotlib", "matplotlib.testing.decorators"}, "matplotlib"},
                      // mitogen's own modules carry the minify_safe marker: served minified.
                      Case{"mitogen.ssh,mitogen.sudo,mitogen.fork", {"mitogen.ssh", "mitogen.sudo", "mitogen.fork", "mitogen.parent"}}),
    [](const ::testing::TestParamInfo<Case>& info) {
        std::string n;
        for (const char* p = info.param.imports; *p; ++p) n.push_back(std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_');
        return n + "_" + std::to_string(info.index);
    });

} // namespace
