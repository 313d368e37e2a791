//! The codes of the lock file and of the Chef client: what is not locked,
//! client versions, and the cookbook lint's removed, deprecated and
//! unavailable calls.

/// Hands this family's codes, after those of the families before it
/// (`$before`), to the next family's macro, the last being `codes!`.
macro_rules! chef_codes {
    ($next:ident $(, $rest:ident)*; $($before:tt)*) => {
        $next! { $($rest),*; $($before)*
    BadLockFile "bad_lock_file" "the lock file is not well-formed"
"The lock file (`stack.lock` beside `stack.kdl`) pins the machine image of
every region, operating system and architecture the stack's environments use,
one line each:

    image region=\"eu-west-1\" os=\"amazon-linux-2023\" arch=\"x86_64\" id=\"ami-0123456789abcdef0\"

`stackc lock` writes it. A line with a property missing or unknown, a region,
OS or architecture stackc does not know, an id that is not an AMI id, or a
triple pinned twice is this error (a merge conflict is the usual cause).

Fix: correct the line, or delete it and run `stackc lock` to pin that image
again.";

    ImageNotLocked "image_not_locked" "the lock file has no image for an environment's region, OS and architecture"
"`stackc deploy` and `stackc diff` boot instances only from images pinned in
the lock file, so that a new image published by AWS or Canonical never
replaces a fleet unasked. This error says which region, operating system and
architecture the environment needs and the lock file lacks (or that there is
no lock file yet).

Fix: run `stackc lock` (it resolves the operating systems' public SSM
parameters once and writes the ids), review and commit the lock file, and
deploy again. `stackc lock --update` later moves to newer images.";

    CincNotLocked "cinc_not_locked" "the lock file has no Chef client package for an environment's client, version, OS and architecture"
"The instances install their Chef client (Cinc, or Chef Infra Client when a
`chef` node chooses it) from the package `stackc deploy` puts in the artifact
bucket, checked against the sha256 the lock file pins, so that no instance
downloads anything from the internet and every one runs exactly the package
that was reviewed. This error says which client, version, operating system and
architecture the environment needs and the lock file lacks (or that there is
no lock file yet). A lock file written for another stackc version, or before
the stack file chose another client or version, pins another package, which is
not used.

Fix: run `stackc lock` (it asks the client's metadata endpoint, Omnitruck, for
the package's URL and sha256 and writes them), review and commit the lock
file, and deploy again. Where the endpoint has no package for the OS (old
Chef Infra Client versions were built for older distributions), write the
line yourself with the URL and sha256 of the package to install:

    chef os=\"ubuntu-24.04\" arch=\"x86_64\" version=\"12.22.5\" sha256=\"...\" url=\"https://...\"";

    BadChefClient "bad_chef_client" "a `chef` node names a client or version stackc does not install"
"`chef` chooses the Chef client of the stack's instances (on the stack, an
environment or a layer with instances of its own):

    chef client=\"cinc\" version=\"18.6.2\"      // the default
    chef client=\"chef\" version=\"12.22.5\"     // OpsWorks' Chef 11.10 and 12 cookbooks

`client` is `cinc` (Cinc Client 15 to 18) or `chef` (Chef Infra Client 12 to
14, the versions without a license to accept); `version` is an exact version,
three numbers (the lock file pins exactly that package). Without `version`,
Cinc is 18.6.2 and Chef Infra Client 12.22.5.";

    ChefVersionConflict "chef_version_conflict" "two layers of an environment install different versions of one Chef client"
"An environment installs at most one version of each client (the template
takes one package per client and architecture): two layers may run Cinc and
Chef Infra Client side by side, but not Chef Infra Client 12.22.5 and 12.19.36.

Fix: give both layers the same version.";

    BuiltinCookbooksNeedChef1222 "builtin_cookbooks_need_chef_12_22" "a layer runs a Chef client older than the built-in cookbooks need"
"Every layer runs stackc's built-in recipes (stackc_base, and its type's
cookbook, such as php_app). They run on Chef Infra Client 12.22 and later
(Chef 13 and 14, Cinc 15 to 18): their metadata declares `chef_version
'>= 12.22'`, their Ruby parses as Ruby 2.3 (the Ruby Chef 12.22 embeds), and
they use no resource or method newer than Chef 12.22 (`systemd_unit`, Chef
12.11, is the newest). Older Chef 12 releases were not checked against them:
a layer on one (`chef client=\"chef\" version=\"12.19.36\"`) installs and
runs that client, but its setup fails in them: Chef 12.6 and later refuse
them for their `chef_version`, older ones lack `systemd_unit`.

Fix: choose `version=\"12.22.5\"` (the default of `client=\"chef\"`, the last
Chef 12 and OpsWorks' Chef 12 client), or Cinc. A warning: the stack still
builds.";

    ChefRemoved "chef_removed" "a cookbook calls what the Chef client its instances run removed"
"`stackc check` reads the stack's own cookbooks (recipes, libraries,
providers, resources, definitions, attribute files) for calls that the Chef
client the stack's layers run no longer has, so that they are found before an
instance fails its setup:

    node.set / node.set_unless              removed in Chef 14 (use node.normal, node.default)
    deploy, deploy_revision, deploy_branch  removed in Chef 14 (the deploy_resource cookbook)
    Chef::Platform.set, provider mappings   removed in Chef 13 (provides on the class)
    Chef::ShellOut                          removed in Chef 13 (Mixlib::ShellOut)
    node[...] = value                       removed in Chef 11 (node.default[...] = value)

Cinc's versions are Chef's. The help line says what replaces the call. Where a
cookbook cannot change yet, `chef client=\"chef\" version=\"12.22.5\"` runs it on
the Chef Infra Client OpsWorks ran (node.set, deploy and Chef::ShellOut are
deprecated there, not removed). A warning: the exit code stays 0.";

    ChefDeprecated "chef_deprecated" "a cookbook calls what the Chef client its instances run deprecated"
"The chosen Chef client still runs the call but logs a deprecation warning on
every run, and its next major version removes it (see `chef_removed` for the
list). A warning: the exit code stays 0.";

    ChefUnavailable "chef_unavailable" "a cookbook uses a resource or method the Chef client its instances run does not have yet"
"`stackc check` reads the stack's own cookbooks for the resources and recipe
methods Chef added after 12.0, and warns where a layer's client is older than
the release that added them, so that an OpsWorks-era layer on
`chef client=\"chef\" version=\"12.22.5\"` does not find out in its first
setup. Among them:

    apt_update 12.7, apt_repository 12.9, edit_resource/find_resource 12.10,
    systemd_unit 12.11, yum_repository 12.14, dnf_package 12.18,
    hostname/sysctl/build_essential/swap_file/sudo 14.0, timezone 14.6,
    archive_file 15.0, unified_mode 15.3, user_ulimit/alternatives 16.0

(README.md, Chef clients, has the whole table; Cinc's versions are Chef's.)
The help says how to do the same with resources the client has (`execute`,
`file`, `template`, `link`), as stackc's built-in cookbooks do, or run the
layer on a newer client. A resource that a cookbook of the stack defines
for older clients (as the community `hostname`, `swap` or `sysctl`
cookbooks did for Chef 12) is not reported: the check reads the whole
cookbooks directory first, and takes as defined the name Chef gives each
`<cookbook>/resources/<file>.rb` (`<cookbook>_<file>`, or `<cookbook>` for
`default.rb`), every `provides :name` there or in a resource class of
`libraries/`, and `resource_name :name` on Chef 12.5 to 15. A warning: the
exit code stays 0.";
        }
    };
}

pub(super) use chef_codes;
