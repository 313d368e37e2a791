#
# Cookbook:: stackc_base
# Library:: system
#
# What the built-in recipes write for the system itself, computed the same
# way on every Chef client stackc installs (Chef Infra Client 12.22 with its
# Ruby 2.3, Cinc 18 with Ruby 3): systemd unit files as text (Chef 12's
# `systemd_unit` writes a Hash as `Key = value` and cannot repeat a key,
# Cinc 18's as `Key=value`), the instance's line in /etc/hosts (what Chef
# 14's `hostname` resource adds) and the time zone name `timedatectl` takes.
# Values go through stackc_base's escape library first, so none can add a
# line to a file or an option to a command.

module StackcSystem
  # A systemd section or setting name.
  UNIT_KEY = /\A[A-Za-z][A-Za-z0-9]*\z/
  # A tz database name: `UTC`, `Europe/Madrid`, `Etc/GMT+1`; never an option.
  TIME_ZONE = %r{\A[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*\z}

  # The first line of stackc's block in /etc/hosts (stackc_base::configure).
  HOSTS_BEGIN = '# stackc begin'.freeze
  # Its last line.
  HOSTS_END = '# stackc end'.freeze

  module_function

  # A unit file from sections of settings, in order: `{ 'Unit' =>
  # { 'Description' => 'x' }, ... }`; an Array value repeats its key (as
  # `Environment=` may be). Each value is one line.
  def stackc_systemd_unit(sections)
    sections.map do |section, settings|
      StackcEscape.stackc_refuse('unit section', section, 'it is not a section name') unless UNIT_KEY =~ section.to_s
      lines = ["[#{section}]"]
      settings.each do |key, value|
        StackcEscape.stackc_refuse('unit setting', key, 'it is not a setting name') unless UNIT_KEY =~ key.to_s
        Array(value).each do |v|
          lines << "#{key}=#{StackcEscape.stackc_one_line(v, "#{section}.#{key}")}"
        end
      end
      lines.join("\n") + "\n"
    end.join("\n")
  end

  # The instance's host name: a host name without a wildcard.
  def stackc_machine_name(value)
    name = StackcEscape.stackc_host_name(value)
    StackcEscape.stackc_refuse('host name', name, 'it is a wildcard') if name.start_with?('*')
    name
  end

  # A time zone for `timedatectl set-timezone`.
  def stackc_time_zone(value)
    zone = StackcEscape.stackc_one_line(value, 'time zone')
    StackcEscape.stackc_refuse('time zone', zone, 'it is not a tz database name such as Europe/Madrid') unless TIME_ZONE =~ zone
    zone
  end

  # The text of /etc/hosts with `ADDRESS NAME SHORT` for this instance, as
  # Chef 14's `hostname` resource writes it: unchanged when that line is
  # there; otherwise the lines that map the address are dropped and the
  # line is added at the end. stackc's own block (every instance of the
  # stack, written by stackc_base::configure) is kept as it is.
  def stackc_hosts_with(text, address, name)
    line = "#{address} #{name} #{name.split('.').first}"
    inside = false
    kept = []
    present = false
    text.each_line do |raw|
      l = raw.chomp
      inside = true if l == HOSTS_BEGIN
      if inside
        kept << l
      elsif l == line
        present = true
        kept << l
      elsif l.split.first != address
        kept << l
      end
      inside = false if l == HOSTS_END
    end
    return text if present
    (kept + [line]).join("\n") + "\n"
  end
end

if defined?(Chef)
  Chef::DSL::Recipe.include(StackcSystem)
  Chef::Resource.include(StackcSystem)
end
