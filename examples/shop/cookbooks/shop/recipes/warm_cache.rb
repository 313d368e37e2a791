#
# Cookbook:: shop
# Recipe:: warm_cache
#
# Deploy: once the API runs the new release, load the catalog and prices
# into memcached by requesting them once.

require 'net/http'

port = node['opsworks']['layers']['api'] ? node['opsworks']['layers']['api']['port'] : 3000

node['shop']['warm_urls'].each do |path|
  ruby_block "warm #{path}" do
    block do
      response = Net::HTTP.get_response(URI("http://127.0.0.1:#{port}#{path}"))
      Chef::Log.info("shop: warmed #{path}: HTTP #{response.code}")
    end
    retries 5
    retry_delay 3
    ignore_failure true
  end
end
