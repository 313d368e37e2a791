//! The codes of what the emitted stack or bundle cannot hold: networks,
//! certificates, user data, cookbook files, volumes.

/// Hands this family's codes, after those of the families before it
/// (`$before`), to the next family's macro, the last being `codes!`.
macro_rules! output_codes {
    ($next:ident $(, $rest:ident)*; $($before:tt)*) => {
        $next! { $($rest),*; $($before)*
    NetworkConflict "network_conflict" "a VPC is both created and given"
"`vpc` either creates a VPC (`cidr=`, `zones=`) or uses an existing one (`id=`,
`public-subnets=`, `private-subnets=`), not both.";

    CertificateRegion "certificate_region" "a certificate is in another region"
"An ALB can only use an ACM certificate of its own region. Request or import
the certificate in the stack's region.

In an environment with `targets`, the load balancer runs in every target
region, and the certificate serves one of them. stackc does not take a
certificate per region yet: target only the certificate's region in that
environment, and deploy each other region as an environment of its own with a
certificate of its region:

    environment production-us {
        targets { account \"111111111111\" regions=\"us-east-1\" }
        layer web { load-balancer { listener https certificate=\"arn:aws:acm:us-east-1:...\" } }
    }";

    UserDataTooLarge "user_data_too_large" "the rendered user data is over 16 KB"
"EC2 limits user data to 16 KB. stackc keeps user data small by fetching the
cookbook bundle at boot; this error means the bootstrap itself grew too large.";

    BadCookbook "bad_cookbook" "a cookbook's metadata.rb is missing or wrong"
"Every cookbook in the bundle needs a metadata.rb with `name` (equal to its
directory name) and `version` (x.y.z).";

    CookbookNotRegularFile "cookbook_not_regular_file" "an entry of the cookbooks directory is a link, FIFO, socket or device"
"Only regular files and directories inside the stack's cookbooks directory
enter the bundle that `stackc deploy` uploads and every instance downloads. A
symbolic link (even one pointing inside the directory), a FIFO, a socket or a
device is refused rather than followed or read: a link to /proc/self/environ
or ~/.aws/credentials would put this machine's secrets into the bundle, and a
link makes the bundle depend on the machine that built it. The cookbooks
directory named in the stack file must itself be a directory, not a link.

    $ ls -l cookbooks/goldcar/files/default
    env -> /proc/self/environ

Fix: copy the file into the cookbooks directory in place of the link
(`cp --remove-destination \"$(readlink -f env)\" env`), or remove the entry; for
a linked cookbooks directory, name its target in the stack file
(`cookbooks \"../shared/cookbooks\"`). Hidden entries (`.git`, `.kitchen`)
are skipped and never read.";

    TooManyVolumes "too_many_volumes" "a layer has more volumes than device names"
"A layer's extra EBS volumes are attached as /dev/sdf, /dev/sdg, ... /dev/sdp,
the range AWS recommends for EBS volumes on Linux: at most 11 volumes, besides
the root volume. Most instance types share about 28 attachments between
volumes and network interfaces, so more would not attach everywhere anyway.

    layer db type=custom {
        volume \"/data1\" size=\"100GiB\"
        // ... eleven more
    }

Fix: put several directories on one volume (mount it once and use
subdirectories, or a larger volume), or move some of the storage to another
layer.";
        }
    };
}

pub(super) use output_codes;
