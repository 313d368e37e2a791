#
# Cookbook:: stackc_base
# Library:: escape
#
# Every value the built-in recipes and templates write into a configuration
# file goes through one of these: each either quotes the value for its
# target (shell, .env, systemd, Apache, nginx, HAProxy, PHP-FPM) or refuses
# it, failing the Chef run with a message naming the value. stackc's checker
# already refuses such values in the stack file; this is the second line,
# for values that reach the node JSON another way (a stack cookbook's
# attributes, an edited node file), so that no value can add a line, a
# directive or a command.
#
# Written for Ruby 2.3 (Chef Infra Client 12.22 embeds 2.3.6) as well as
# Cinc 18's Ruby: `=~` where newer code would call `match?` (Ruby 2.4).

require 'shellwords'

module StackcEscape
  # A value a configuration file cannot hold as it is.
  class UnsafeValue < StandardError; end

  # Letters, digits and the punctuation stackc allows in mount points and
  # document roots (see PATH_PUNCTUATION in the checker).
  PATH_PART = %r{\A[A-Za-z0-9/._+@~,=-]*\z}.freeze
  HOST_NAME = /\A(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z/.freeze
  ENV_NAME = /\A[A-Za-z_][A-Za-z0-9_]*\z/.freeze
  WORD = /\A[A-Za-z0-9_][A-Za-z0-9_.-]*\z/.freeze
  # An HTTP path as HAProxy reads one word: no space, quote, `#` or `\`.
  HTTP_PATH = %r{\A/[A-Za-z0-9\-._~!&()*+,;=:@%/?]*\z}.freeze

  module_function

  def stackc_refuse(what, value, why)
    raise UnsafeValue, "stackc: refusing #{what} #{value.to_s.inspect}: #{why}"
  end

  # The value as one line: no newline or other control character.
  def stackc_one_line(value, what)
    s = value.to_s
    stackc_refuse(what, s, 'it holds a control character') if s =~ /[[:cntrl:]]/
    s
  end

  # An absolute path without `..` made of letters, digits and /._+@~,=-.
  def stackc_path(value, what)
    s = stackc_one_line(value, what)
    ok = s.start_with?('/') && PATH_PART =~ s && !s.split('/').include?('..')
    stackc_refuse(what, s, 'it is not an absolute path of letters, digits and /._+@~,=-') unless ok
    s
  end

  # A path relative to a release (a document root; empty is the release).
  def stackc_relative_path(value, what)
    s = stackc_one_line(value, what)
    ok = !s.start_with?('/') && PATH_PART =~ s && !s.split('/').include?('..')
    stackc_refuse(what, s, 'it is not a relative path of letters, digits and /._+@~,=-') unless ok
    s
  end

  # `base/relative` for a document root, checked.
  def stackc_document_root(base, relative)
    root = stackc_relative_path(relative, 'document root')
    stackc_path(root.empty? ? base : "#{base}/#{root}", 'document root')
  end

  # A host name (a leading `*.` allowed, as in a site alias).
  def stackc_host_name(value)
    s = stackc_one_line(value, 'host name')
    stackc_refuse('host name', s, 'it is not a host name') unless s.length <= 253 && HOST_NAME =~ s
    s
  end

  # A user, group, app or service name: one word of letters, digits, _.-.
  def stackc_word(value, what)
    s = stackc_one_line(value, what)
    stackc_refuse(what, s, 'it is not one word of letters, digits and _.-') unless WORD =~ s
    s
  end

  # An HTTP path for a health check line.
  def stackc_http_path(value, what)
    s = stackc_one_line(value, what)
    stackc_refuse(what, s, 'it is not an HTTP path without spaces or quotes') unless HTTP_PATH =~ s
    s
  end

  # A path as a double-quoted Apache or nginx argument (the path is checked
  # first, so there is nothing inside to escape).
  def stackc_conf_quote(path)
    "\"#{path}\""
  end

  # A word for a shell command line.
  def stackc_shell(value, what)
    Shellwords.escape(stackc_one_line(value, what))
  end

  # `KEY="value"` lines for systemd's EnvironmentFile and POSIX shells:
  # inside double quotes both take `\` before `"`, `\`, `$` and a backquote
  # as the character itself, so no value runs a command, ends its quotes
  # or starts another variable; a newline (a secret holding a key) stays
  # inside the quotes, as both read it. Names must be variable names.
  def stackc_env_lines(env)
    env.sort.map do |k, v|
      stackc_refuse('environment variable name', k, 'it is not a variable name') unless ENV_NAME =~ k.to_s
      "#{k}=\"#{v.to_s.gsub(/[\\"$`]/) { |c| "\\#{c}" }}\""
    end.join("\n") + "\n"
  end

  # `/bin/sh -c "exec COMMAND"` for a systemd ExecStart: systemd reads C
  # escapes inside double quotes, expands `%` specifiers and `$` variables,
  # so those are doubled or escaped and the shell gets COMMAND verbatim.
  def stackc_systemd_sh(command)
    line = stackc_one_line(command, 'command')
    quoted = "exec #{line}".gsub(/[\\"]/) { |c| "\\#{c}" }.gsub('%', '%%').gsub('$', '$$')
    "/bin/sh -c \"#{quoted}\""
  end

  # A git revision by `git check-ref-format`'s rules, never an option.
  def stackc_git_revision(value)
    s = stackc_one_line(value, 'git revision')
    bad = s.empty? || s.start_with?('-', '/') || s.end_with?('/', '.') || s == '@' ||
          s =~ %r{[ ~^:?*\[\\]|\.\.|@\{|//} ||
          s.split('/').any? { |p| p.start_with?('.') || p.end_with?('.lock') }
    stackc_refuse('git revision', s, 'it is not a branch, tag or commit id') if bad
    s
  end

  # A git repository over https://, ssh:// or git@host:path, never a local
  # path, file:// or an option.
  def stackc_git_repository(value)
    s = stackc_one_line(value, 'git repository')
    ok = %r{\A(https://|ssh://)[^\s]+\z} =~ s || %r{\Agit@[^\s:]+:[^\s]+\z} =~ s
    stackc_refuse('git repository', s, 'it is not an https://, ssh:// or git@host: URL') unless ok
    s
  end
end

if defined?(Chef)
  require 'chef/mixin/template'
  Chef::DSL::Recipe.include(StackcEscape)
  Chef::Resource.include(StackcEscape)
  Chef::Mixin::Template::TemplateContext.include(StackcEscape)
end
